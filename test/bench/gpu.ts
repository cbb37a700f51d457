/**
 * The GPU half of the benchmark (run through gpu.sh): correctness against the CPU, then decode speed, for each
 * GPU provider asked for. Under WebGPU the device graph keeps the K/V cache in GPU buffers (the target: 124M at
 * 2 ms/token or less); under CUDA onnxruntime-node has no GPU-buffer binding, so the host-cache graph runs and
 * each step uploads the context's K/V (reported as such). Then the 1.5B shape loads and decodes in fp16.
 * Models are generated with the project's own command (random weights at GPT-2 shapes).
 * Knobs: GPU_DEVICES (webgpu,cuda), GPU_SHAPES (gpt2,gpt2-medium), GPU_XL (1: the 1.5B check).
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { loadModel, type LoadedModel } from '../../electron/engine/model/load-model.js';
import { DeviceDecoder } from '../../electron/engine/runtime/device-decoder.js';
import { argmax } from '../../electron/engine/sampling.js';
import type { Precision } from '../../electron/engine/types.js';
import type { TestModelShape } from '../../models/test-model-shapes.js';
import { benchModel } from './models.js';

const devices = (process.env.GPU_DEVICES ?? 'webgpu,cuda').split(',').filter(Boolean);
const shapes = (process.env.GPU_SHAPES ?? 'gpt2,gpt2-medium').split(',').filter(Boolean) as TestModelShape[];

interface Run {
  readonly device: string;
  readonly cacheOnDevice: boolean;
  readonly tokens: number[];
  readonly msPerToken: Record<number, number>;
  readonly loadMs: number;
}

async function greedy(dir: string, device: string, precision: Precision, steps: number, contexts: readonly number[]): Promise<Run> {
  const m: LoadedModel = await loadModel({ modelDir: dir, devices: [device], precision, cacheDir: path.join(dir, '.kaituhi-cache') });
  try {
    if (m.info.device !== device) throw new Error(`asked for ${device}, got ${m.info.device}: ${m.info.fallbackReason}`);
    const prompt = Array.from({ length: 24 }, (_, i) => (i * 977) % 50000);
    let { logits } = await m.decoder.setContext(prompt);
    m.decoder.startGeneration(1, steps + 1);
    const tokens: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t = argmax(logits);
      tokens.push(t);
      logits = Float32Array.from(await m.decoder.step([t]));
    }
    const msPerToken: Record<number, number> = {};
    for (const ctx of contexts) {
      await m.decoder.setContext(Array.from({ length: ctx }, (_, i) => (i * 31) % 50000));
      m.decoder.startGeneration(1, 20);
      const times: number[] = [];
      for (let i = 0; i < 16; i++) {
        const t0 = performance.now();
        await m.decoder.step([100 + i]);
        times.push(performance.now() - t0);
      }
      msPerToken[ctx] = times.sort((a, b) => a - b)[8]!;
    }
    return { device, cacheOnDevice: m.decoder instanceof DeviceDecoder, tokens, msPerToken, loadMs: m.info.loadMs };
  } finally {
    await m.release();
  }
}

const available = new Set(ort.listSupportedBackends().map((b) => b.name));
const rows: Record<string, unknown>[] = [];
for (const shape of shapes) {
  const dir = await benchModel(shape, 'safetensors');
  const cpu = await greedy(dir, 'cpu', 'fp32', 12, [32]);
  for (const device of devices) {
    if (!available.has(device)) {
      rows.push({ shape, device, error: 'not built into this onnxruntime-node' });
      continue;
    }
    try {
      const gpu = await greedy(dir, device, 'fp32', 12, [32, 512, 1000]);
      rows.push({
        shape,
        device,
        precision: 'fp32',
        cacheOnDevice: gpu.cacheOnDevice,
        greedyMatchCpu: `${cpu.tokens.filter((t, i) => t === gpu.tokens[i]).length}/12`,
        loadMs: Math.round(gpu.loadMs),
        'ms@32': +gpu.msPerToken[32]!.toFixed(2),
        'ms@512': +gpu.msPerToken[512]!.toFixed(2),
        'ms@1000': +gpu.msPerToken[1000]!.toFixed(2),
      });
    } catch (error) {
      rows.push({ shape, device, error: String(error).slice(0, 300) });
    }
  }
  rows.push({ shape, device: 'cpu', precision: 'fp32', 'ms@32': +cpu.msPerToken[32]!.toFixed(2) });
}
if ((process.env.GPU_XL ?? '1') !== '0') {
  const dir = await benchModel('gpt2-xl', 'safetensors');
  for (const device of devices.filter((d) => available.has(d))) {
    try {
      const xl = await greedy(dir, device, 'fp16', 4, [32, 1000]);
      rows.push({
        shape: 'gpt2-xl',
        device,
        precision: 'fp16',
        cacheOnDevice: xl.cacheOnDevice,
        loadMs: Math.round(xl.loadMs),
        'ms@32': +xl.msPerToken[32]!.toFixed(2),
        'ms@1000': +xl.msPerToken[1000]!.toFixed(2),
      });
    } catch (error) {
      rows.push({ shape: 'gpt2-xl', device, precision: 'fp16', error: String(error).slice(0, 300) });
    }
  }
}
console.table(rows);
