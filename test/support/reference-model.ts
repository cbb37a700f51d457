/**
 * The float64 reference GPT-2 (reference-gpt2.ts) over a checkpoint on disk, for tests that compare what the engine
 * reports (logits, alternatives, surprisal, joining scores) with what the model really says.
 */
import path from 'node:path';
import { loadGpt2Checkpoint, type Gpt2Weights } from '../../electron/engine/formats/gpt2-checkpoint.js';
import { readGpt2Config, type Gpt2Config } from '../../electron/engine/formats/gpt2-config.js';
import { referenceForward } from './reference-gpt2.js';

/** A checkpoint's weights under the Hugging Face names the reference reads. */
export function weightMap(w: Gpt2Weights): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>([
    ['transformer.wte.weight', w.wte],
    ['transformer.wpe.weight', w.wpe],
    ['transformer.ln_f.weight', w.lnfWeight],
    ['transformer.ln_f.bias', w.lnfBias],
  ]);
  w.layers.forEach((l, i) => {
    const p = `transformer.h.${i}.`;
    m.set(`${p}ln_1.weight`, l.ln1Weight).set(`${p}ln_1.bias`, l.ln1Bias);
    m.set(`${p}attn.c_attn.weight`, l.attnWeight).set(`${p}attn.c_attn.bias`, l.attnBias);
    m.set(`${p}attn.c_proj.weight`, l.attnProjWeight).set(`${p}attn.c_proj.bias`, l.attnProjBias);
    m.set(`${p}ln_2.weight`, l.ln2Weight).set(`${p}ln_2.bias`, l.ln2Bias);
    m.set(`${p}mlp.c_fc.weight`, l.fcWeight).set(`${p}mlp.c_fc.bias`, l.fcBias);
    m.set(`${p}mlp.c_proj.weight`, l.fcProjWeight).set(`${p}mlp.c_proj.bias`, l.fcProjBias);
  });
  return m;
}

export interface ReferenceModel {
  readonly config: Gpt2Config;
  /** Logits after every position of `ids` (position i sees ids[0..i]); with `at`, only after those (others empty). */
  logits(ids: readonly number[], at?: ReadonlySet<number>): Float64Array[];
}

export async function loadReferenceModel(checkpointDir: string): Promise<ReferenceModel> {
  const config = await readGpt2Config(path.join(checkpointDir, 'config.json'));
  const weights = weightMap(await loadGpt2Checkpoint(checkpointDir, config));
  return { config, logits: (ids, at) => referenceForward(weights, config, ids, at) };
}

/** log-softmax of a row of logits, in float64. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const logZ = max + Math.log(sum);
  return Float64Array.from({ length: logits.length }, (_, i) => logits[i]! - logZ);
}
