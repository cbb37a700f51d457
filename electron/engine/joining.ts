/**
 * The joining score (issue 13): how well each candidate leads into the text after the cursor. GPT-2 has no
 * fill-in-the-middle, so a mid-paragraph suggestion is ranked by log P(after | context + candidate): the
 * log-probability the model gives the first `joiningTokens` tokens of the text after the cursor, read right after
 * the candidate. All candidates run as one batch over the cached context (Decoder.continuationLogits), each row
 * the candidate's tokens followed by the after-text's, padded at the end to one length.
 *
 * Each part is tokenized on its own, as the document would be read after accepting the candidate: the context as
 * the prompt was, the candidate's text, then the text after.
 */
import { GENERATION_LIMITS } from '../common/generation.js';
import { logSumExp } from './alternatives.js';
import type { LoadedModel } from './model/load-model.js';

/**
 * One score per candidate text (null when `after` has no tokens). `promptLength` is the cached context's length and
 * `promptLogits` the logits after it, which predict the after-text's first token for an empty candidate.
 */
export async function joiningScores(
  model: LoadedModel,
  promptLength: number,
  promptLogits: Float32Array,
  texts: readonly string[],
  after: string,
): Promise<(number | null)[]> {
  const candidates = texts.map((text) => model.encode(text));
  const longest = Math.max(0, ...candidates.map((c) => c.length));
  // The after-text is cut to what the window still holds behind the longest candidate.
  const room = model.decoder.contextWindow - promptLength - longest;
  const following = model.encode(after).slice(0, Math.max(0, Math.min(GENERATION_LIMITS.joiningTokens, room)));
  if (following.length === 0) return texts.map(() => null);
  const V = model.decoder.vocabSize;
  // Row c predicts following[j] at position candidate.length + j - 1; an empty candidate's first from the prompt.
  const at = candidates.map((c) => following.map((_, j) => c.length + j - 1).filter((p) => p >= 0));
  const logits = await model.decoder.continuationLogits(
    candidates.map((c) => c.concat(following)),
    at,
  );
  const logprob = (row: Float32Array, token: number): number => row[token]! - logSumExp(row);
  return candidates.map((c, b) => {
    let total = c.length === 0 ? logprob(promptLogits.subarray(0, V), following[0]!) : 0;
    at[b]!.forEach((position, k) => (total += logprob(logits[b]!.subarray(k * V, (k + 1) * V), following[position - c.length + 1]!)));
    return total;
  });
}
