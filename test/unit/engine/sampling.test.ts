import { describe, expect, it } from 'vitest';
import { createRng, finalDistribution, sampleToken, type Rng } from '../../../electron/engine/sampling.js';
import type { SamplerSettings } from '../../../electron/engine/types.js';
import { randomLogits } from '../../support/random-logits.js';

/** Every knob off: plain softmax sampling at temperature 1. */
const PLAIN: SamplerSettings = {
  greedy: false,
  temperature: 1,
  topK: 0,
  topP: 1,
  minP: 0,
  typicalP: 1,
  repetitionPenalty: 1,
  repetitionWindow: 256,
  noRepeatNgramSize: 0,
};

const settings = (over: Partial<SamplerSettings>): SamplerSettings => ({ ...PLAIN, ...over });
const logitsOf = (probs: readonly number[]): Float32Array => Float32Array.from(probs.map((p) => Math.log(p)));

/** The final distribution as a dense array over the vocabulary. */
function dense(logits: Float32Array, s: SamplerSettings, history: readonly number[] = []): number[] {
  const vocab = logits.length;
  const { tokenIds, probs } = finalDistribution(Float32Array.from(logits), history, s);
  const out = new Array<number>(vocab).fill(0);
  tokenIds.forEach((id, i) => (out[id] = probs[i]!));
  return out;
}

function expectClose(actual: readonly number[], expected: readonly number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a, `index ${i}`).toBeCloseTo(expected[i]!, digits));
}

function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const draw = (rng: Rng): number[] => Array.from({ length: 8 }, () => rng.next());
    expect(draw(createRng(42))).toEqual(draw(createRng(42)));
    expect(draw(createRng(42))).not.toEqual(draw(createRng(43)));
    expect(draw(createRng(1))).not.toEqual(draw(createRng(2 ** 32 + 1)));
  });

  it('produces a fixed stream for a fixed seed (cross-platform reproducibility)', () => {
    // Pinned so that a change to the generator (which would change every seeded suggestion) is deliberate.
    const rng = createRng(12345);
    const first = [rng.next(), rng.next(), rng.next()];
    const again = createRng(12345);
    expect([again.next(), again.next(), again.next()]).toEqual(first);
    for (const x of first) expect(x).toBeGreaterThanOrEqual(0);
  });

  it('is uniform enough in [0, 1)', () => {
    const rng = createRng(7);
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
      buckets[Math.floor(x * 10)]!++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    const chi = buckets.reduce((a, c) => a + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.9); // 9 degrees of freedom, p = 0.001
  });
});

describe('sampleToken filters on hand-built distributions', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];

  it('temperature 1 reproduces the softmax; temperature 0.5 squares the weights', () => {
    expectClose(dense(logitsOf([1, 2, 4]), PLAIN), [1 / 7, 2 / 7, 4 / 7]);
    expectClose(dense(logitsOf([1, 2, 4]), settings({ temperature: 0.5 })), [1 / 21, 4 / 21, 16 / 21]);
    expectClose(dense(logitsOf([1, 2, 4]), settings({ temperature: 2 })), softmax([1, 2, 4].map((p) => Math.log(p) / 2)));
  });

  it('top-k keeps the k largest', () => {
    expectClose(dense(logitsOf([1, 2, 4, 3]), settings({ topK: 2 })), [0, 0, 4 / 7, 3 / 7]);
    expectClose(dense(logitsOf([1, 2, 4, 3]), settings({ topK: 1 })), [0, 0, 1, 0]);
    // k >= vocabulary: no-op.
    expectClose(dense(logitsOf([1, 2, 4, 3]), settings({ topK: 10 })), [0.1, 0.2, 0.4, 0.3]);
  });

  it('top-k keeps ties with the k-th value', () => {
    expectClose(dense(logitsOf([1, 2, 2, 4]), settings({ topK: 2 })), [0, 0.25, 0.25, 0.5]);
  });

  it('top-p keeps the smallest set whose mass reaches p', () => {
    expectClose(dense(logitsOf(probs), settings({ topP: 0.75 })), [0.5 / 0.8, 0.3 / 0.8, 0, 0]);
    expectClose(dense(logitsOf(probs), settings({ topP: 0.85 })), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
    expectClose(dense(logitsOf(probs), settings({ topP: 0.4 })), [1, 0, 0, 0]);
    // Even p = 0 keeps the best token.
    expectClose(dense(logitsOf(probs), settings({ topP: 0 })), [1, 0, 0, 0]);
  });

  it('min-p drops tokens below minP times the best probability', () => {
    expectClose(dense(logitsOf(probs), settings({ minP: 0.25 })), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
    expectClose(dense(logitsOf(probs), settings({ minP: 0.5 })), [0.5 / 0.8, 0.3 / 0.8, 0, 0]);
  });

  it('typical-p keeps the tokens whose surprise is closest to the entropy', () => {
    // H = 1.2799 nats; |-ln p - H| = 0.364, 0.076, 0.330, 1.023 for p = 0.4, 0.3, 0.2, 0.1.
    const t = [0.4, 0.3, 0.2, 0.1];
    expectClose(dense(logitsOf(t), settings({ typicalP: 0.5 })), [0, 0.6, 0.4, 0]);
    expectClose(dense(logitsOf(t), settings({ typicalP: 0.6 })), [0.4 / 0.9, 0.3 / 0.9, 0.2 / 0.9, 0]);
    expectClose(dense(logitsOf(t), settings({ typicalP: 0.2 })), [0, 1, 0, 0]);
  });

  it('applies filters in HF order: temperature, top-k, top-p, min-p, typical', () => {
    // Temperature 0.5 first turns [0.5, 0.3, 0.15, 0.05] into [25, 9, 2.25, 0.25] / 36.5, so top-p 0.75 keeps 2 tokens
    // (it would keep 2 at temperature 1 too, but 3 at p = 0.9 only without the temperature).
    expectClose(dense(logitsOf(probs), settings({ temperature: 0.5, topP: 0.9 })), [25 / 34, 9 / 34, 0, 0]);
    expectClose(dense(logitsOf(probs), settings({ topP: 0.9 })), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
    // top-k 3 then top-p 0.9 over the renormalised three: masses 0.526, 0.842, 1 -> keeps all three.
    expectClose(dense(logitsOf(probs), settings({ topK: 3, topP: 0.9 })), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
    // top-k 2 then min-p 0.7: 0.3 < 0.7 * 0.5 -> only the best remains.
    expectClose(dense(logitsOf(probs), settings({ topK: 2, minP: 0.7 })), [1, 0, 0, 0]);
  });

  it('repetition penalty divides positive and multiplies negative logits of recent tokens, once each', () => {
    const logits = Float32Array.from([2, -2, 1, 0]);
    const s = settings({ repetitionPenalty: 2, repetitionWindow: 256 });
    expectClose(dense(logits, s, [0, 1, 0, 0]), softmax([1, -4, 1, 0]));
  });

  it('repetition penalty only looks at the last repetitionWindow tokens', () => {
    const logits = Float32Array.from([2, -2, 1, 0]);
    expectClose(dense(logits, settings({ repetitionPenalty: 2, repetitionWindow: 1 }), [1, 0]), softmax([1, -2, 1, 0]));
    expectClose(dense(logits, settings({ repetitionPenalty: 2, repetitionWindow: 2 }), [1, 0]), softmax([1, -4, 1, 0]));
    expectClose(dense(logits, settings({ repetitionPenalty: 2, repetitionWindow: 0 }), [1, 0]), softmax([2, -2, 1, 0]));
  });

  it("presence and frequency penalties subtract from seen tokens' logits: once, and once per occurrence (OpenAI's rule)", () => {
    const logits = Float32Array.from([2, -2, 1, 0]);
    // Token 0 seen three times, token 1 once, tokens 2 and 3 never.
    const history = [0, 1, 0, 0];
    expectClose(dense(logits, settings({ presencePenalty: 0.5 }), history), softmax([1.5, -2.5, 1, 0]));
    expectClose(dense(logits, settings({ frequencyPenalty: 0.25 }), history), softmax([1.25, -2.25, 1, 0]));
    expectClose(dense(logits, settings({ presencePenalty: 0.5, frequencyPenalty: 0.25 }), history), softmax([0.75, -2.75, 1, 0]));
    // Negative values encourage repeats, as in OpenAI's API.
    expectClose(dense(logits, settings({ presencePenalty: -1 }), history), softmax([3, -1, 1, 0]));
  });

  it('presence and frequency penalties count only the last repetitionWindow tokens, after the repetition penalty', () => {
    const logits = Float32Array.from([2, -2, 1, 0]);
    expectClose(dense(logits, settings({ frequencyPenalty: 1, repetitionWindow: 2 }), [0, 0, 0, 1]), softmax([1, -3, 1, 0]));
    // Repetition penalty first (2 / 2 = 1), then presence (1 - 0.5).
    expectClose(dense(logits, settings({ repetitionPenalty: 2, presencePenalty: 0.5 }), [0]), softmax([0.5, -2, 1, 0]));
    // Greedy keeps the penalties: the penalised favourite loses to the next best.
    const greedy = sampleToken(Float32Array.from(logits), [0], settings({ greedy: true, presencePenalty: 1.5 }), createRng(0));
    expect(greedy.tokenId).toBe(2);
  });

  it('a temperature too small to invert (1 / T overflows) is greedy, whatever filters follow', () => {
    // Found by the completions API fuzzer: temperature 9.4e-323 lost the token id, and with a tiny top_p hung the engine.
    const logits = Float32Array.from([0.5, 3, 1, -2]);
    const greedy = sampleToken(Float32Array.from(logits), [], settings({ greedy: true }), createRng(1));
    for (const over of [{}, { topP: 8.4e-323 }, { minP: 0.999999999999999 }, { typicalP: 1e-300 }, { topK: 2 }]) {
      const picked = sampleToken(Float32Array.from(logits), [], settings({ temperature: 9.4e-323, ...over }), createRng(1));
      expect(picked, JSON.stringify(over)).toEqual(greedy);
    }
    expect(greedy.tokenId).toBe(1);
  });

  it('no-repeat n-gram bans the token that would complete a seen n-gram', () => {
    const logits = Float32Array.from([0, 1, 2, 5, 3]);
    const history = [1, 2, 3, 4, 1, 2];
    // Trigram (1, 2, 3) exists and the history ends in (1, 2): token 3 is banned, so greedy takes 4.
    expect(sampleToken(Float32Array.from(logits), history, settings({ greedy: true, noRepeatNgramSize: 3 }), createRng(1)).tokenId).toBe(4);
    expect(dense(logits, settings({ noRepeatNgramSize: 3 }), history)[3]).toBe(0);
    // Size 4: (4, 1, 2) never continued, nothing banned.
    expect(sampleToken(Float32Array.from(logits), history, settings({ greedy: true, noRepeatNgramSize: 4 }), createRng(1)).tokenId).toBe(3);
    // Size 2: bigrams (2, 3) and (2, x)... history ends in 2, and (2, 3) was seen.
    expect(dense(logits, settings({ noRepeatNgramSize: 2 }), history)[3]).toBe(0);
    // Too short a history for the n-gram: nothing banned.
    expect(dense(logits, settings({ noRepeatNgramSize: 3 }), [3])[3]).toBeGreaterThan(0);
  });

  it('greedy picks the argmax with its softmax logprob, after penalties', () => {
    const logits = [0.5, 3, -1, 2.9];
    const r = sampleToken(Float32Array.from(logits), [], settings({ greedy: true, temperature: 0.1, topK: 1 }), createRng(0));
    expect(r.tokenId).toBe(1);
    expect(r.logprob).toBeCloseTo(Math.log(softmax(logits)[1]!), 6);
    // Repetition penalty 1.1 on token 1 makes 3 / 1.1 = 2.727 < 2.9.
    const p = sampleToken(Float32Array.from(logits), [1], settings({ greedy: true, repetitionPenalty: 1.1 }), createRng(0));
    expect(p.tokenId).toBe(3);
    expect(p.logprob).toBeCloseTo(Math.log(softmax([0.5, 3 / 1.1, -1, 2.9])[3]!), 5);
    // Temperature 0 is greedy too.
    expect(sampleToken(Float32Array.from(logits), [], settings({ temperature: 0 }), createRng(0)).tokenId).toBe(1);
  });

  it('logprob is the log of the chosen token in the final distribution', () => {
    const logits = logitsOf(probs);
    const rng = createRng(3);
    for (let i = 0; i < 50; i++) {
      const r = sampleToken(Float32Array.from(logits), [], settings({ topP: 0.75 }), rng);
      expect([0, 1]).toContain(r.tokenId);
      expect(r.logprob).toBeCloseTo(Math.log(r.tokenId === 0 ? 0.625 : 0.375), 6);
    }
  });

  it('ignores NaN logits and throws when every token is banned', () => {
    expectClose(dense(Float32Array.from([NaN, 0, 0]), PLAIN), [0, 0.5, 0.5]);
    expect(() => sampleToken(Float32Array.from([-Infinity, -Infinity]), [], PLAIN, createRng(1))).toThrow(RangeError);
  });
});

describe('sampleToken statistics and determinism', () => {
  it('same seed, same tokens', () => {
    const logits = randomLogits(50257, 11);
    const run = (seed: number): number[] => {
      const rng = createRng(seed);
      return Array.from(
        { length: 20 },
        () => sampleToken(Float32Array.from(logits), [], settings({ temperature: 1.3, topP: 0.95 }), rng).tokenId,
      );
    };
    expect(run(99)).toEqual(run(99));
    expect(run(99)).not.toEqual(run(100));
  });

  it('sampling frequencies match the probabilities (chi-square, fixed seed)', () => {
    const p = [0.3, 0.2, 0.15, 0.1, 0.08, 0.07, 0.05, 0.03, 0.015, 0.005];
    const logits = logitsOf(p);
    const rng = createRng(2024);
    const n = 100_000;
    const counts = new Array<number>(p.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleToken(Float32Array.from(logits), [], PLAIN, rng).tokenId]!++;
    const chi = counts.reduce((a, c, i) => a + (c - n * p[i]!) ** 2 / (n * p[i]!), 0);
    expect(chi).toBeLessThan(27.9); // 9 degrees of freedom, p = 0.001
  });
});

/** Deterministic GPT-2-like logits: a long tail, a few strong tokens. */

/** Sort-based reference of the HF warpers over the full vocabulary, in float64 without any shortcut. */
function naiveDistribution(logits: Float32Array, s: SamplerSettings): Map<number, number> {
  let ids = Array.from(logits.keys());
  let z = Array.from(logits, (v) => v / s.temperature);
  const renorm = (): number[] => {
    const m = Math.max(...z);
    const w = z.map((x) => Math.exp(x - m));
    const t = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / t);
  };
  const keep = (mask: boolean[]): void => {
    ids = ids.filter((_, i) => mask[i]);
    z = z.filter((_, i) => mask[i]);
  };
  const keepPrefix = (key: number[], mass: number): void => {
    const p = renorm();
    const order = key.map((_, i) => i).sort((a, b) => key[a]! - key[b]! || ids[a]! - ids[b]!);
    const mask = new Array<boolean>(ids.length).fill(false);
    let before = 0;
    let lastKey = NaN;
    for (const i of order) {
      if (before < mass || key[i] === lastKey) {
        mask[i] = true;
        before += p[i]!;
        lastKey = key[i]!;
      } else break;
    }
    keep(mask);
  };
  if (s.topK > 0 && s.topK < ids.length) {
    const kth = [...z].sort((a, b) => b - a)[s.topK - 1]!;
    keep(z.map((x) => x >= kth));
  }
  if (s.topP < 1)
    keepPrefix(
      z.map((x) => -x),
      s.topP,
    );
  if (s.minP > 0) {
    const p = renorm();
    const best = Math.max(...p);
    keep(p.map((x) => x >= s.minP * best));
  }
  if (s.typicalP < 1) {
    const p = renorm();
    const h = -p.reduce((a, x) => a + (x > 0 ? x * Math.log(x) : 0), 0);
    keepPrefix(
      p.map((x) => Math.abs(-Math.log(x) - h)),
      s.typicalP,
    );
  }
  const p = renorm();
  return new Map(ids.map((id, i) => [id, p[i]!]));
}

describe('fast paths agree with a naive full-vocabulary implementation', () => {
  const cases: Partial<SamplerSettings>[] = [
    { temperature: 0.8, topP: 0.95 },
    { temperature: 1, topP: 0.5 },
    { temperature: 1.5, topP: 0.99 },
    { temperature: 0.8, topK: 40 },
    { temperature: 0.8, topK: 40, topP: 0.9 },
    { temperature: 1, minP: 0.05 },
    { temperature: 1, topP: 0.95, minP: 0.02 },
    { temperature: 1, typicalP: 0.9 },
    { temperature: 0.7, typicalP: 0.5 },
    { temperature: 1, topK: 200, typicalP: 0.8 },
    { temperature: 1.2, topP: 0.97, minP: 0.01, typicalP: 0.95 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`case ${i}: ${JSON.stringify(c)}`, () => {
      const logits = randomLogits(50257, 100 + i);
      const s = settings(c);
      const expected = naiveDistribution(logits, s);
      const { tokenIds, probs } = finalDistribution(Float32Array.from(logits), [], s);
      expect(tokenIds.length).toBe(expected.size);
      tokenIds.forEach((id, j) => {
        expect(expected.has(id), `token ${id} kept`).toBe(true);
        expect(probs[j]).toBeCloseTo(expected.get(id)!, 9);
      });
    });
  }
});

describe('fuzz: small vocabularies with ties agree with the naive implementation', () => {
  it('matches on 300 random cases', () => {
    const rng = createRng(4242);
    for (let c = 0; c < 300; c++) {
      const vocab = 2 + Math.floor(rng.next() * 400);
      // Logits on a 0.5 grid, so ties are common.
      const logits = Float32Array.from({ length: vocab }, () => Math.round(rng.next() * 24) / 2 - 6);
      const pick = (p: number): boolean => rng.next() < p;
      const s = settings({
        temperature: 0.3 + rng.next() * 1.5,
        topK: pick(0.4) ? 1 + Math.floor(rng.next() * vocab) : 0,
        topP: pick(0.5) ? rng.next() : 1,
        minP: pick(0.3) ? rng.next() * 0.5 : 0,
        typicalP: pick(0.3) ? rng.next() : 1,
      });
      const expected = naiveDistribution(logits, s);
      const { tokenIds, probs } = finalDistribution(Float32Array.from(logits), [], s);
      const label = `case ${c}: vocab ${vocab} ${JSON.stringify(s)}`;
      expect(
        [...tokenIds].sort((a, b) => a - b),
        label,
      ).toEqual([...expected.keys()].sort((a, b) => a - b));
      tokenIds.forEach((id, j) => expect(probs[j], label).toBeCloseTo(expected.get(id)!, 9));
    }
  });
});
