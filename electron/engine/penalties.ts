/**
 * The penalties: steps 1 and 2 of the sampling order described in sampling.ts (repetition, presence and frequency
 * penalties over the last `repetitionWindow` tokens, then the no-repeat n-gram ban). They adjust the logits in place
 * and share nothing with the filters but the logits row, so they live apart from them.
 */
import type { SamplerSettings } from './types.js';

// A "seen in this pass" mark per vocabulary entry, reused across calls (see nextStamp).
let stamp = new Uint32Array(0);
let stampGen = 0;

/**
 * Steps 1 and 2 of the sampling order, in place: the repetition, presence and frequency penalties and the no-repeat
 * n-gram ban. The generator runs them itself, then its own logit processors (DRY, phrase bias, bans), then
 * `sampleAdjusted` (sampling.ts); `sampleToken` runs both for callers without processors of their own.
 */
export function applyPenalties(logits: Float32Array, history: readonly number[], settings: SamplerSettings): void {
  if (logits.length === 0) throw new RangeError('sampleToken: empty logits');
  applyRepetitionPenalty(logits, history, settings.repetitionPenalty, settings.repetitionWindow);
  applyPresenceAndFrequency(logits, history, settings.presencePenalty ?? 0, settings.frequencyPenalty ?? 0, settings.repetitionWindow);
  applyNoRepeatNgram(logits, history, settings.noRepeatNgramSize);
}

/** HF RepetitionPenaltyLogitsProcessor, restricted to the last `window` tokens; each distinct token is penalised once. */
function applyRepetitionPenalty(logits: Float32Array, history: readonly number[], penalty: number, window: number): void {
  if (!(penalty > 0) || penalty === 1) return;
  forEachWindowToken(logits.length, history, window, (t, first) => {
    if (!first) return;
    const v = logits[t]!;
    logits[t] = v < 0 ? v * penalty : v / penalty;
  });
}

/** OpenAI's penalties: logit -= presence * [count > 0] + frequency * count, counted over the window. */
function applyPresenceAndFrequency(
  logits: Float32Array,
  history: readonly number[],
  presence: number,
  frequency: number,
  window: number,
): void {
  if (presence === 0 && frequency === 0) return;
  forEachWindowToken(logits.length, history, window, (t, first) => {
    logits[t] = logits[t]! - frequency - (first ? presence : 0);
  });
}

/** Visits each token of the last `window` of `history` that is in the vocabulary, saying whether it is its first occurrence there. */
function forEachWindowToken(
  vocab: number,
  history: readonly number[],
  window: number,
  visit: (token: number, first: boolean) => void,
): void {
  const start = windowStart(history, window);
  if (start >= history.length) return;
  const seen = nextStamp(vocab);
  for (let i = start; i < history.length; i++) {
    const t = history[i]!;
    if (!(t >= 0 && t < vocab)) continue;
    const first = stamp[t] !== seen;
    stamp[t] = seen;
    visit(t, first);
  }
}

/** Where the last `window` tokens of `history` start (all of it for a non-finite window). */
function windowStart(history: readonly number[], window: number): number {
  const size = Number.isFinite(window) ? Math.max(0, Math.floor(window)) : history.length;
  return Math.max(0, history.length - size);
}

/** A fresh mark for "seen in this pass" over a vocabulary, without clearing the array each time. */
function nextStamp(vocab: number): number {
  if (stamp.length < vocab) {
    stamp = new Uint32Array(vocab);
    stampGen = 0;
  }
  stampGen = (stampGen + 1) >>> 0;
  if (stampGen === 0) {
    stamp.fill(0);
    stampGen = 1;
  }
  return stampGen;
}

/** HF NoRepeatNGramLogitsProcessor: ban every token that would complete an n-gram already present in `history`. */
function applyNoRepeatNgram(logits: Float32Array, history: readonly number[], size: number): void {
  const n = Math.floor(size);
  const len = history.length;
  if (!(n > 0) || len + 1 < n) return;
  const prefixStart = len - (n - 1);
  for (let s = 0; s + n <= len; s++) {
    let match = true;
    for (let j = 0; j < n - 1; j++) {
      if (history[s + j] !== history[prefixStart + j]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    const banned = history[s + n - 1]!;
    if (banned >= 0 && banned < logits.length) logits[banned] = -Infinity;
  }
}
