/**
 * How often a quantized graph picks the fp32 graph's greedy token. Teacher-forced: both read the fp32
 * model's own greedy continuation, so one early disagreement does not count against every later step.
 */
import { loadModel } from '../../electron/engine/model/load-model.js';
import type { Precision } from '../../electron/engine/types.js';
import { argmax } from '../../electron/engine/sampling.js';

async function greedyPicks(
  modelDir: string,
  precision: Precision,
  prompt: number[],
  forced: number[] | null,
  steps: number,
): Promise<number[]> {
  const m = await loadModel({ modelDir, precision, devices: ['cpu'] });
  let { logits } = await m.decoder.setContext(prompt);
  m.decoder.startGeneration(1, steps + 1);
  const picks: number[] = [];
  for (let i = 0; i < steps; i++) {
    const pick = argmax(logits);
    picks.push(pick);
    logits = Float32Array.from(await m.decoder.step([forced ? forced[i]! : pick]));
  }
  await m.release();
  return picks;
}

/** Share of steps, over several prompts, where `precision` picks the fp32 greedy token. */
export async function greedyAgreement(modelDir: string, precision: Precision, prompts: number[][], steps = 32): Promise<number> {
  let same = 0;
  let total = 0;
  for (const prompt of prompts) {
    const reference = await greedyPicks(modelDir, 'fp32', prompt, null, steps);
    const quantized = await greedyPicks(modelDir, precision, prompt, reference, steps);
    same += quantized.filter((t, i) => t === reference[i]).length;
    total += steps;
  }
  return same / total;
}
