/**
 * The log-softmax view of one row of logits: its normaliser, its N likeliest tokens and a token's rank. Used for
 * the alternatives of generated tokens and for scoring a text, so it runs per token over the whole vocabulary:
 * one pass for the maximum, one for the sum, one partial selection for the top N (never a sort of 50257 values).
 */
import { expNonPositive } from './sampling.js';
import type { TokenAlternative } from './types.js';

/** log Σ exp(logits), in float64; -Infinity when every logit is -Infinity. NaN entries count as -Infinity. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (v > max) max = v;
  }
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (v > -Infinity) sum += expNonPositive(v - max);
  }
  return max + Math.log(sum);
}

/**
 * The ids of the `n` largest finite logits, largest first; ties go to the lower id. A sorted buffer of n entries that a
 * logit enters only when it beats the smallest kept: for n <= 20 over 50257 logits, a single pass.
 */
export function topTokenIds(logits: ArrayLike<number>, n: number): number[] {
  const k = Math.min(Math.max(0, Math.floor(n)), logits.length);
  if (k === 0) return [];
  const ids = new Int32Array(k);
  const values = new Float64Array(k);
  let size = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    // A banned token (-Infinity) or a NaN is no alternative.
    if (!(v > -Infinity)) continue;
    // Equal values keep the earlier (lower) id ahead, so a later one must be strictly larger to move up.
    if (size === k && !(v > values[k - 1]!)) continue;
    let at = size < k ? size++ : k - 1;
    while (at > 0 && v > values[at - 1]!) {
      values[at] = values[at - 1]!;
      ids[at] = ids[at - 1]!;
      at--;
    }
    values[at] = v;
    ids[at] = i;
  }
  return Array.from(ids.subarray(0, size));
}

/** 1 for the likeliest token: one more than the number of tokens with a strictly larger logit. */
export function tokenRank(logits: ArrayLike<number>, tokenId: number): number {
  const own = logits[tokenId]!;
  let rank = 1;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > own) rank++;
  return rank;
}

/** The `n` likeliest tokens of a row of logits with their log-probabilities, and the chosen token's. */
export function alternativesAt(
  logits: ArrayLike<number>,
  n: number,
  chosen: number,
  tokenText: (tokenId: number) => string,
): { logprob: number; top: TokenAlternative[] } {
  const logZ = logSumExp(logits);
  return {
    logprob: logits[chosen]! - logZ,
    top: topTokenIds(logits, n).map((tokenId) => ({ tokenId, text: tokenText(tokenId), logprob: logits[tokenId]! - logZ })),
  };
}
