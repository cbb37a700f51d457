/**
 * Surprise, read from the model's scores of the writer's own tokens, with thresholds the draft sets for itself:
 * a literary style is not punished for being literary, only a word that stands out from its own neighbours is.
 *
 * - A word's surprisal is the sum over its tokens (-log p, in nats). A typo costs the model several unlikely
 *   fragments where the word would have cost one, so it stands out in any model, even a random one.
 * - The scale is robust: the median and the median absolute deviation (scaled by 1.4826, so it equals the
 *   standard deviation on normal data) over the draft's words, which a few outliers cannot move.
 * - Surprising: the word's modified z-score against the median of its neighbours is at least 3.5 (Iglewicz and
 *   Hoaglin's outlier cut for the modified z-score).
 * - Possible cliché: a run of at least six words, each more predictable than the draft's median by half its
 *   scale. By chance alone that is rare (about 0.31^6 ≈ 1e-3 per word on normal data); in prose it is a
 *   stock phrase, a quotation, or a repeated passage.
 */

/** One scored token of the draft: where its text starts, the text, and the model's log-probability of it. */
export interface ScoredToken {
  readonly offset: number;
  readonly text: string;
  readonly logprob: number;
}

/** A word of the draft and the surprisal of the tokens that wrote it. */
export interface WordScore {
  readonly start: number;
  readonly end: number;
  /** Nats: the sum of -logprob over the tokens that overlap the word (each token counted once, for its first word). */
  readonly surprisal: number;
  /** Index of the word's first token in the scored tokens: where the model's expectations for it are. */
  readonly firstToken: number;
}

export interface SurpriseMark {
  readonly start: number;
  readonly end: number;
  /** How far out it stands, in the draft's own robust units. */
  readonly z: number;
  readonly firstToken: number;
}

export interface SurpriseReading {
  /** Words far more surprising than their neighbours. */
  readonly surprising: readonly SurpriseMark[];
  /** Long runs of highly predictable words: [start, end) of each run. */
  readonly predictable: readonly { readonly start: number; readonly end: number }[];
  /** The draft's own norm: median word surprisal and robust scale (nats), null below MIN_WORDS. */
  readonly norm: { readonly median: number; readonly scale: number } | null;
}

export const SURPRISE_RULES = {
  /** Fewer words than this do not say what is usual for the draft; nothing is marked. */
  minWords: 20,
  /** Modified z-score (against the neighbours' median) from which a word is surprising. */
  surprisingZ: 3.5,
  /** Words on each side whose median is a word's baseline. */
  neighbours: 15,
  /** How much more predictable than the draft's median (in its robust scale) a word of a cliché run is. */
  predictableZ: -0.5,
  /** Words in a row that make a run worth shading. */
  minRunWords: 6,
} as const;

/** Letters, digits and the marks inside words; a Han, kana or hangul character is a word of its own. */
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{N}\p{M}]+(?:['’-][\p{L}\p{N}\p{M}]+)*/gu;

/** The words of `text` with the surprisal of the tokens that wrote them; `tokens` are in text order. */
export function wordScores(text: string, tokens: readonly ScoredToken[], base = 0): WordScore[] {
  const words: WordScore[] = [];
  let t = 0;
  for (const match of text.matchAll(WORD)) {
    const start = base + match.index;
    const end = start + match[0].length;
    // Tokens that end before the word belong to earlier words (or to punctuation and spaces).
    while (t < tokens.length && tokenEnd(tokens[t]!) <= start) t++;
    if (t >= tokens.length) break;
    const first = t;
    let surprisal = 0;
    while (t < tokens.length && tokens[t]!.offset < end) {
      surprisal -= tokens[t]!.logprob;
      t++;
    }
    if (t > first) words.push({ start, end, surprisal, firstToken: first });
  }
  return words;
}

function tokenEnd(token: ScoredToken): number {
  // A token holding part of a UTF-8 character has no text of its own: it belongs with the token that completes it.
  return token.offset + Math.max(token.text.length, 1);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and 1.4826 × median absolute deviation; the mean absolute deviation when over half the values are equal. */
export function robustNorm(values: readonly number[]): { median: number; scale: number } {
  const m = median(values);
  const deviations = values.map((value) => Math.abs(value - m));
  let scale = 1.4826 * median(deviations);
  if (!(scale > 0)) scale = 1.2533 * (deviations.reduce((sum, d) => sum + d, 0) / Math.max(1, deviations.length));
  return { median: m, scale: scale > 0 ? scale : 1 };
}

/** What to underline and what to shade, from the draft's word scores alone. */
export function readSurprise(words: readonly WordScore[]): SurpriseReading {
  const rules = SURPRISE_RULES;
  if (words.length < rules.minWords) return { surprising: [], predictable: [], norm: null };
  const values = words.map((word) => word.surprisal);
  const norm = robustNorm(values);
  const surprising: SurpriseMark[] = [];
  for (let i = 0; i < words.length; i++) {
    const around = values.slice(Math.max(0, i - rules.neighbours), i).concat(values.slice(i + 1, i + 1 + rules.neighbours));
    const z = (values[i]! - median(around)) / norm.scale;
    if (z >= rules.surprisingZ) surprising.push({ start: words[i]!.start, end: words[i]!.end, z, firstToken: words[i]!.firstToken });
  }
  const predictable: { start: number; end: number }[] = [];
  let runStart = -1;
  for (let i = 0; i <= words.length; i++) {
    const quiet = i < words.length && (values[i]! - norm.median) / norm.scale <= rules.predictableZ;
    if (quiet && runStart < 0) runStart = i;
    if (!quiet && runStart >= 0) {
      if (i - runStart >= rules.minRunWords) predictable.push({ start: words[runStart]!.start, end: words[i - 1]!.end });
      runStart = -1;
    }
  }
  return { surprising, predictable, norm };
}
