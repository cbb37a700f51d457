/**
 * The GPU path: the device graph keeps the K/V cache as the previous run's output (on a GPU, a GPU buffer that
 * never comes to the host). Here it runs on the CPU execution provider, against Kaituhi's host-cache graph:
 * prefill, decode, prefix reuse after an edit, and candidates broadcast then dropped, all inside the graph.
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGpt2Checkpoint } from '../../../electron/engine/formats/gpt2-checkpoint.js';
import { readGpt2Config } from '../../../electron/engine/formats/gpt2-config.js';
import { buildDeviceGraph, deviceNames } from '../../../electron/engine/graph/device-graph.js';
import { loadModel } from '../../../electron/engine/model/load-model.js';
import { DeviceDecoder, devicePresentLocations } from '../../../electron/engine/runtime/device-decoder.js';
import type { Decoder } from '../../../electron/engine/runtime/decoder.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

const PROMPT = [464, 3290, 373, 257, 1110, 11, 290, 262, 9151, 1625, 13, 198, 1, 40, 1101, 407];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('the device graph and its decoder (CPU execution provider)', () => {
  let device: DeviceDecoder;
  let host: Decoder;

  beforeAll(async () => {
    const dir = await tinyCheckpoint();
    const config = await readGpt2Config(path.join(dir, 'config.json'));
    const session = await ort.InferenceSession.create(buildDeviceGraph(await loadGpt2Checkpoint(dir, config), 'fp32').toBytes(), {
      executionProviders: ['cpu'],
    });
    device = new DeviceDecoder(session, {
      layers: config.nLayer,
      heads: config.nHead,
      headDim: config.nEmbd / config.nHead,
      vocabSize: config.vocabSize,
      contextWindow: config.nPositions,
    });
    host = (await loadModel({ modelDir: dir, precision: 'fp32', devices: ['cpu'] })).decoder;
  });

  it('prefill, decode and prefix reuse equal the host-cache graph', async () => {
    const a = await device.setContext(PROMPT.slice(0, 10));
    const b = await host.setContext(PROMPT.slice(0, 10));
    expect(maxAbsDiff(a.logits, b.logits)).toBeLessThan(1e-4);
    const extended = await device.setContext(PROMPT);
    expect(extended.reused).toBe(10);
    expect(maxAbsDiff(extended.logits, (await host.setContext(PROMPT)).logits)).toBeLessThan(1e-4);
    // An edit in the middle keeps only the positions before it.
    const edited = [...PROMPT.slice(0, 5), 999, ...PROMPT.slice(6)];
    const again = await device.setContext(edited);
    expect(again.reused).toBe(5);
    expect(maxAbsDiff(again.logits, (await host.setContext(edited)).logits)).toBeLessThan(1e-4);
    device.startGeneration(1, 4);
    host.startGeneration(1, 4);
    for (const t of [5, 6, 7]) expect(maxAbsDiff(await device.step([t]), await host.step([t]))).toBeLessThan(1e-4);
  });

  it('broadcasts the context to N candidates and drops finished ones inside the graph', async () => {
    await device.setContext(PROMPT);
    await host.setContext(PROMPT);
    device.startGeneration(3, 6);
    host.startGeneration(3, 6);
    expect(maxAbsDiff(await device.step([10, 11, 12]), await host.step([10, 11, 12]))).toBeLessThan(1e-4);
    expect(maxAbsDiff(await device.step([20, 21, 22]), await host.step([20, 21, 22]))).toBeLessThan(1e-4);
    device.keepCandidates([0, 2]);
    host.keepCandidates([0, 2]);
    expect(maxAbsDiff(await device.step([30, 32]), await host.step([30, 32]))).toBeLessThan(1e-4);
    device.keepCandidates([1]);
    host.keepCandidates([1]);
    expect(maxAbsDiff(await device.step([40]), await host.step([40]))).toBeLessThan(1e-4);
    // After a generation, the context is reused from row 0 of the device cache.
    const next = await device.setContext([...PROMPT, 7]);
    expect(next.reused).toBe(PROMPT.length);
    expect(maxAbsDiff(next.logits, (await host.setContext([...PROMPT, 7])).logits)).toBeLessThan(1e-4);
  });

  it('asks for every present tensor on the device and the logits on the host', () => {
    const locations = devicePresentLocations(2);
    expect(Object.keys(locations).sort()).toEqual(
      [deviceNames.presentKey(0), deviceNames.presentKey(1), deviceNames.presentValue(0), deviceNames.presentValue(1)].sort(),
    );
    expect(Object.values(locations).every((l) => l === 'gpu-buffer')).toBe(true);
    expect(locations[deviceNames.logits]).toBeUndefined();
  });

  it('a GPU provider that cannot start leaves the model on the CPU, and says why', async () => {
    // No GPU here: WebGPU finds no adapter. On a machine with one, the same call runs the device graph.
    const m = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['webgpu', 'cpu'] });
    expect(m.info.device).toBe('cpu');
    expect(m.info.fallbackReason).toMatch(/webgpu/i);
    expect(m.info.graph).toBe('kaituhi');
    expect((await m.decoder.setContext(PROMPT)).logits.length).toBe(m.info.vocabSize);
    await m.release();
  });
});
