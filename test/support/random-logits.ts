import { createRng } from '../../electron/engine/sampling.js';

/** Logits shaped like a model's: a normal spread far below zero, plus a handful of spikes. */
export function randomLogits(vocab: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    // Box-Muller normal with std 3, plus a handful of spikes.
    const u = Math.max(rng.next(), 1e-12);
    const v = rng.next();
    out[i] = -60 + 3 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  for (let j = 0; j < 20; j++) out[Math.floor(rng.next() * vocab)] = -45 + 5 * rng.next();
  return out;
}
