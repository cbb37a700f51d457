/**
 * Deterministic random GPT-2 weights with real shapes.
 * GPT-2's own init (std 0.02) gives a tied-head model whose residual stream is dominated by the input
 * token's embedding, so greedy decoding repeats one token forever. The scales here make each block's
 * output comparable to the embedding and the logits spread over a few nats, so text varies like a model's.
 */
import type { Gpt2Config } from '../electron/engine/formats/gpt2-config.js';
import { expectedShapes } from '../electron/engine/formats/gpt2-checkpoint.js';

/** mulberry32 seeded through splitmix-style mixing; a normal via Box–Muller. */
function normalSource(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = uniform() || 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

function scaleFor(name: string, config: Gpt2Config): { std: number; mean: number } {
  const C = config.nEmbd;
  if (name.endsWith('ln_1.weight') || name.endsWith('ln_2.weight') || name.endsWith('ln_f.weight')) return { std: 0.1, mean: 1 };
  if (name.endsWith('.bias')) return { std: 0.02, mean: 0 };
  if (name === 'wte.weight') return { std: 2.5 / Math.sqrt(C), mean: 0 };
  if (name === 'wpe.weight') return { std: 1 / Math.sqrt(C), mean: 0 };
  if (name.endsWith('mlp.c_proj.weight')) return { std: 1.5 / Math.sqrt(4 * C), mean: 0 };
  return { std: 1.5 / Math.sqrt(C), mean: 0 };
}

export function randomGpt2Weights(config: Gpt2Config, seed: number): { tensors: Map<string, Float32Array>; shapes: Map<string, number[]> } {
  const next = normalSource(seed);
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const [short, shape] of expectedShapes(config)) {
    const { std, mean } = scaleFor(short, config);
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = mean + std * next();
    tensors.set(`transformer.${short}`, data);
    shapes.set(`transformer.${short}`, shape);
  }
  return { tensors, shapes };
}
