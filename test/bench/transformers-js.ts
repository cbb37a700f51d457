/**
 * Transformers.js on the same Optimum-layout export, from the local folder, remote models off.
 * Per-token decode = (time for 1 + STEPS new tokens - time for 1) / STEPS, greedy, so prefill cancels out;
 * three alternating pairs, their min and median.
 */
import path from 'node:path';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import type { Precision } from '../../electron/engine/types.js';

export async function transformersJsDecodeMs(
  modelDir: string,
  precision: Precision,
  contexts: readonly number[],
  steps: number,
): Promise<Record<number, { min: number; median: number }>> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(modelDir);
  const model = await AutoModelForCausalLM.from_pretrained(path.basename(modelDir), {
    dtype: precision === 'int8' ? 'int8' : 'fp32',
    device: 'cpu',
  });
  const out: Record<number, { min: number; median: number }> = {};
  for (const ctx of contexts) {
    const ids = BigInt64Array.from({ length: ctx }, (_, i) => BigInt((i * 7919) % 50000));
    const input_ids = new Tensor('int64', ids, [1, ctx]);
    const attention_mask = new Tensor('int64', new BigInt64Array(ctx).fill(1n), [1, ctx]);
    const time = async (newTokens: number): Promise<number> => {
      const t = performance.now();
      await model.generate({ input_ids, attention_mask, max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false });
      return performance.now() - t;
    };
    await time(2);
    // Alternate short and long runs so drift on the shared machine hits both alike.
    const perToken: number[] = [];
    for (let r = 0; r < 3; r++) {
      const one = await time(1);
      const many = await time(1 + steps);
      perToken.push((many - one) / steps);
    }
    perToken.sort((a, b) => a - b);
    out[ctx] = { min: perToken[0]!, median: perToken[1]! };
  }
  await model.dispose();
  return out;
}
