/**
 * How often one model picks another's greedy token. Teacher-forced: both read the reference's own greedy
 * continuation, so one early disagreement does not count against every later step.
 */
import { loadModel, type LoadedModel } from '../../electron/engine/model/load-model.js';
import type { EngineLoadOptions, Precision } from '../../electron/engine/types.js';
import { argmax } from '../../electron/engine/sampling.js';

async function greedyPicks(m: LoadedModel, prompt: number[], forced: number[] | null, steps: number): Promise<number[]> {
  let { logits } = await m.decoder.setContext(prompt);
  m.decoder.startGeneration(1, steps + 1);
  const picks: number[] = [];
  for (let i = 0; i < steps; i++) {
    const pick = argmax(logits);
    picks.push(pick);
    logits = Float32Array.from(await m.decoder.step([forced ? forced[i]! : pick]));
  }
  return picks;
}

/** Share of steps, over several prompts, where `candidate` picks the greedy token of `reference`. */
export async function greedyAgreementOf(
  reference: EngineLoadOptions,
  candidate: EngineLoadOptions,
  prompts: number[][],
  steps = 32,
): Promise<number> {
  const expectedModel = await loadModel({ devices: ['cpu'], ...reference });
  const candidateModel = await loadModel({ devices: ['cpu'], ...candidate });
  let same = 0;
  let total = 0;
  try {
    for (const prompt of prompts) {
      const expected = await greedyPicks(expectedModel, prompt, null, steps);
      const picked = await greedyPicks(candidateModel, prompt, expected, steps);
      same += picked.filter((t, i) => t === expected[i]).length;
      total += steps;
    }
  } finally {
    await expectedModel.release();
    await candidateModel.release();
  }
  return same / total;
}

/** Share of steps, over several prompts, where `precision` picks the fp32 greedy token. */
export function greedyAgreement(modelDir: string, precision: Precision, prompts: number[][], steps = 32): Promise<number> {
  return greedyAgreementOf({ modelDir, precision: 'fp32' }, { modelDir, precision }, prompts, steps);
}

/** Four fixed prompts of 20 tokens, the same in the tests and the benchmark. */
export const AGREEMENT_PROMPTS: number[][] = [0, 1, 2, 3].map((p) =>
  Array.from({ length: 20 }, (_, i) => ((i + 1) * (7919 + p * 104729)) % 50000),
);
