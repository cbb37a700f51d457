import { describe, expect, it } from 'vitest';
import {
  median,
  readSurprise,
  robustNorm,
  SURPRISE_RULES,
  wordScores,
  type ScoredToken,
  type WordScore,
} from '../../../renderer/surprise/statistics.js';

/** Tokens laid end to end over `pieces`, with the given surprisals (nats). */
function tokens(pieces: readonly [string, number][]): { text: string; tokens: ScoredToken[] } {
  let text = '';
  const out: ScoredToken[] = [];
  for (const [piece, surprisal] of pieces) {
    out.push({ offset: text.length, text: piece, logprob: -surprisal });
    text += piece;
  }
  return { text, tokens: out };
}

/** A deterministic spread of surprisals around 5 nats (a fixed LCG, so the test never flakes). */
function ordinary(count: number, seed = 1): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 5 + ((state / 2 ** 32) * 2 - 1) * 1.5;
  });
}

function words(values: readonly number[]): WordScore[] {
  return values.map((surprisal, i) => ({ start: i * 10, end: i * 10 + 5, surprisal, firstToken: i }));
}

describe('word scores', () => {
  it('sums the tokens of a word: a typo split into fragments costs more than the word it replaced', () => {
    const { text, tokens: scored } = tokens([
      ['The', 3],
      [' cat', 4],
      [' s', 6],
      ['tq', 7],
      ['xv', 8],
      [',', 1],
      [' and', 2],
      [' don', 3],
      ["'t", 1],
    ]);
    expect(text).toBe("The cat stqxv, and don't");
    expect(wordScores(text, scored).map((w) => [text.slice(w.start, w.end), w.surprisal, w.firstToken])).toEqual([
      ['The', 3, 0],
      ['cat', 4, 1],
      ['stqxv', 21, 2],
      ['and', 2, 6],
      ["don't", 4, 7],
    ]);
  });

  it('counts each Han character as a word, and places words by a base offset', () => {
    const { text, tokens: scored } = tokens([
      ['满', 2],
      ['纸', 3],
      ['荒唐', 9],
      ['言', 1],
    ]);
    const scoredAt100 = scored.map((t) => ({ ...t, offset: t.offset + 100 }));
    expect(wordScores(text, scoredAt100, 100).map((w) => [w.start, w.surprisal])).toEqual([
      [100, 2],
      [101, 3],
      [102, 9],
      [104, 1],
    ]);
  });
});

describe('the draft’s own norm', () => {
  it('median and median absolute deviation, scaled to the standard deviation of normal data', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(robustNorm([1, 2, 3, 4, 100])).toEqual({ median: 3, scale: 1.4826 });
    // Over half the values equal: the mean absolute deviation instead, never a scale of zero.
    expect(robustNorm([2, 2, 2, 2, 6]).scale).toBeCloseTo(1.2533 * 0.8, 10);
    expect(robustNorm([2, 2, 2]).scale).toBe(1);
  });
});

describe('reading surprise', () => {
  it('underlines the one word far more surprising than its neighbours, and nothing in ordinary prose', () => {
    const values = ordinary(80);
    expect(readSurprise(words(values)).surprising).toEqual([]);
    values[40] = 14;
    const reading = readSurprise(words(values));
    expect(reading.surprising.map((mark) => mark.firstToken)).toEqual([40]);
    expect(reading.surprising[0]!.z).toBeGreaterThan(SURPRISE_RULES.surprisingZ);
  });

  it('is relative to the draft: a denser, more surprising style everywhere marks the same words', () => {
    const values = ordinary(80, 7);
    values[12] = 13;
    values[63] = 14;
    const plain = readSurprise(words(values));
    const literary = readSurprise(words(values.map((v) => 2.5 * v + 6)));
    expect(plain.surprising.map((m) => m.firstToken)).toEqual([12, 63]);
    expect(literary.surprising.map((m) => m.firstToken)).toEqual([12, 63]);
    expect(literary.norm!.median).toBeCloseTo(2.5 * plain.norm!.median + 6, 10);
  });

  it('marks nothing until the draft has enough words to say what is usual', () => {
    const values = ordinary(SURPRISE_RULES.minWords - 1);
    values[5] = 40;
    expect(readSurprise(words(values))).toEqual({ surprising: [], predictable: [], norm: null });
  });

  it('shades a long run of highly predictable words, not a short one', () => {
    const values = ordinary(80, 3);
    for (let i = 30; i < 37; i++) values[i] = 1.5;
    for (let i = 60; i < 60 + SURPRISE_RULES.minRunWords - 1; i++) values[i] = 1.5;
    expect(readSurprise(words(values)).predictable).toEqual([{ start: 300, end: 365 }]);
  });
});
