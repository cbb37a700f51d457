/**
 * The GPU half of the benchmark (run through gpu.sh): correctness against the CPU, then decode speed.
 * Models are generated with the project's own command (random weights at GPT-2 shapes).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../electron/engine/model/load-model.js';
import { makeTestModel } from '../../models/make-test-model.js';
import type { TestModelShape } from '../../models/test-model-shapes.js';
import { argmax } from '../../electron/engine/sampling.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const device = process.env.GPU_DEVICE ?? 'cuda';

async function model(shape: TestModelShape): Promise<string> {
  const dir = path.join(root, 'models', 'generated', `${shape}-seed1-safetensors`);
  try {
    await access(path.join(dir, 'config.json'));
  } catch {
    await makeTestModel({ shape, seed: 1, outDir: dir });
  }
  return dir;
}

async function greedy(
  dir: string,
  devices: string[],
  steps: number,
): Promise<{ tokens: number[]; device: string; msPerToken: Record<number, number>; loadMs: number }> {
  const m = await loadModel({ modelDir: dir, devices, precision: 'fp32' });
  if (m.info.device !== devices[0]) throw new Error(`asked for ${devices[0]}, got ${m.info.device}: ${m.info.fallbackReason}`);
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
  for (const ctx of [32, 512, 1000]) {
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
  const loadMs = m.info.loadMs;
  await m.release();
  return { tokens, device: devices[0]!, msPerToken, loadMs };
}

const rows: Record<string, unknown>[] = [];
for (const shape of ['gpt2', 'gpt2-medium'] as const) {
  const dir = await model(shape);
  const cpu = await greedy(dir, ['cpu'], 12);
  const gpu = await greedy(dir, [device], 12);
  const same = cpu.tokens.filter((t, i) => t === gpu.tokens[i]).length;
  for (const r of [cpu, gpu]) {
    rows.push({
      shape,
      device: r.device,
      greedyMatch: `${same}/12`,
      loadMs: Math.round(r.loadMs),
      'ms@32': +r.msPerToken[32]!.toFixed(2),
      'ms@512': +r.msPerToken[512]!.toFixed(2),
      'ms@1000': +r.msPerToken[1000]!.toFixed(2),
    });
  }
}
try {
  const xl = await greedy(await model('gpt2-xl'), [device], 4);
  rows.push({
    shape: 'gpt2-xl',
    device,
    greedyMatch: 'n/a',
    loadMs: Math.round(xl.loadMs),
    'ms@32': +xl.msPerToken[32]!.toFixed(2),
    'ms@512': +xl.msPerToken[512]!.toFixed(2),
    'ms@1000': +xl.msPerToken[1000]!.toFixed(2),
  });
} catch (error) {
  rows.push({ shape: 'gpt2-xl', device, error: String(error).slice(0, 200) });
}
console.table(rows);
