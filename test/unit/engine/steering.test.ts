/**
 * DRY against a plain reference implementation, phrase bias on hand-built cases, and both inside generation: the
 * alternatives (the distribution sampling saw) equal the reference model's logits with the same adjustments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DRY, type DrySettings } from '../../../electron/common/generation.js';
import { DryPenalty } from '../../../electron/engine/dry.js';
import { generateWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { PhraseBias } from '../../../electron/engine/phrase-bias.js';
import { createRng } from '../../../electron/engine/sampling.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type TokenAlternatives } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';
import { loadReferenceModel, logSoftmax, type ReferenceModel } from '../../support/reference-model.js';

/**
 * DRY as its definition reads, by brute force: for every k, is the last k tokens (no breaker among them) found
 * earlier, followed by a token that is not a breaker? That token's match length is the largest such k (at most
 * 50); it loses multiplier * base^(k - allowedLength) when k >= allowedLength.
 */
function referenceDry(logits: Float64Array, history: readonly number[], s: DrySettings, breakers: ReadonlySet<number>): void {
  const ids = s.range && history.length > s.range ? history.slice(-s.range) : history;
  const n = ids.length;
  const longest = new Map<number, number>();
  for (let k = 1; k <= Math.min(50, n - 1); k++) {
    const suffix = ids.slice(n - k);
    if (suffix.some((t) => breakers.has(t))) break;
    for (let start = 0; start + k <= n - 1; start++) {
      if (!ids.slice(start, start + k).every((t, i) => t === suffix[i])) continue;
      const next = ids[start + k]!;
      if (!breakers.has(next)) longest.set(next, Math.max(longest.get(next) ?? 0, k));
    }
  }
  for (const [t, k] of longest) if (k >= s.allowedLength) logits[t]! -= s.multiplier * s.base ** (k - s.allowedLength);
}

describe('DRY', () => {
  // A fake tokenizer: 'a' + "7" encodes to [.., 7], so the breaker strings are token ids.
  const encode = (text: string): number[] => [0, Number(text.slice(1))];

  it('equals the plain reference on random histories with repeats, breakers, ranges and lengths', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 400; trial++) {
      const settings: DrySettings = {
        multiplier: 0.2 + 2 * rng.next(),
        base: 1 + 2 * rng.next(),
        allowedLength: 1 + Math.floor(4 * rng.next()),
        sequenceBreakers: rng.next() < 0.7 ? ['3'] : [],
        ...(rng.next() < 0.3 ? { range: 5 + Math.floor(40 * rng.next()) } : {}),
      };
      // A short alphabet, so that repeats (and long ones) are common.
      const alphabet = 2 + Math.floor(5 * rng.next());
      const history = Array.from({ length: 2 + Math.floor(120 * rng.next()) }, () => Math.floor(alphabet * rng.next()));
      if (rng.next() < 0.5) history.push(...history.slice(0, Math.floor(history.length / 2)));
      const base = Float32Array.from({ length: 8 }, () => 4 * rng.next() - 2);
      const ours = Float32Array.from(base);
      DryPenalty.create(settings, encode)!.apply(ours, history);
      const expected = Float64Array.from(base);
      referenceDry(expected, history, settings, new Set(settings.sequenceBreakers.map(Number)));
      // float32 logits: relative precision, and penalties of up to base^48.
      for (let t = 0; t < 8; t++) expect(Math.abs(ours[t]! - expected[t]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected[t]!)));
    }
  });

  it('a worked example: "a b c a b" makes "c" lose the multiplier, longer repeats more', () => {
    const settings: DrySettings = { multiplier: 0.8, base: 1.75, allowedLength: 2, sequenceBreakers: [] };
    const logits = new Float32Array(4);
    DryPenalty.create(settings, encode)!.apply(logits, [0, 1, 2, 0, 1]);
    expect(Array.from(logits)).toEqual([0, 0, -0.800000011920929, 0]);
    const longer = new Float32Array(4);
    DryPenalty.create(settings, encode)!.apply(longer, [0, 1, 2, 3, 0, 1, 2]);
    expect(longer[3]).toBeCloseTo(-0.8 * 1.75, 5);
    // A breaker in the repeat stops it; a multiplier of 0 is no DRY at all.
    const broken = new Float32Array(4);
    DryPenalty.create({ ...settings, sequenceBreakers: ['1'] }, encode)!.apply(broken, [0, 1, 2, 0, 1]);
    expect(Array.from(broken)).toEqual([0, 0, 0, 0]);
    expect(DryPenalty.create({ ...settings, multiplier: 0 }, encode)).toBeNull();
    expect(DryPenalty.create(undefined, encode)).toBeNull();
  });
});

describe('phrase bias', () => {
  // Words are tokens: "x y z" encodes to [x, y, z], " x" to [9, x]; token 9 is a space, the others words.
  const encode = (text: string): number[] => [...(text.startsWith(' ') ? [9] : []), ...text.trim().split(/\s+/).map(Number)];
  const tokenText = (id: number): string => (id === 9 ? ' ' : `w${id}`);
  const biased = (bias: PhraseBias, history: number[]): number[] => {
    const logits = new Float32Array(10);
    bias.apply(logits, history);
    return Array.from(logits);
  };

  it('biases the first token, then each next token while the phrase is being written', () => {
    const bias = PhraseBias.create([{ phrase: '4 5 6', strength: 2 }], encode, tokenText)!;
    // After whitespace (or at the start) the phrase begins bare; after a word, with its space.
    expect(biased(bias, [1, 9])).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
    expect(biased(bias, [])).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
    expect(biased(bias, [1, 2])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(biased(bias, [1, 9, 4])).toEqual([0, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
    expect(biased(bias, [1, 9, 4, 5])).toEqual([0, 0, 0, 0, 0, 0, 2, 0, 0, 0]);
    // The spaced form " 4 5 6" is [9, 4, 5, 6]: after its space, it goes on with 4.
    expect(biased(bias, [1, 2, 9])).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
    // Written out: it may begin again (after a word, with its space).
    expect(biased(bias, [9, 4, 5, 6])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  });

  it('adds up over phrases; a strength of 0 or no phrase is no bias', () => {
    const bias = PhraseBias.create(
      [
        { phrase: '4 4', strength: -3 },
        { phrase: '4', strength: 1 },
      ],
      encode,
      tokenText,
    )!;
    // After a 4, "4 4" goes on with 4 (-3); "4", after a word, begins with its space token 9 (+1).
    expect(biased(bias, [9, 4])).toEqual([0, 0, 0, 0, -3, 0, 0, 0, 0, 1]);
    expect(PhraseBias.create([], encode, tokenText)).toBeNull();
    expect(PhraseBias.create([{ phrase: '4', strength: 0 }], encode, tokenText)).toBeNull();
  });
});

describe('DRY and phrase bias inside generation (tiny model, fp32)', () => {
  let model: LoadedModel;
  let reference: ReferenceModel;
  beforeAll(async () => {
    const dir = await tinyCheckpoint();
    model = await loadModel({ modelDir: dir, precision: 'fp32', devices: ['cpu'] });
    reference = await loadReferenceModel(dir);
  });
  afterAll(async () => {
    await model.release();
  });

  async function alternativesOf(request: GenerateRequest): Promise<TokenAlternatives[]> {
    const out: TokenAlternatives[] = [];
    for await (const e of generateWith(model, request)) if (e.type === 'token' && e.alternatives) out.push(e.alternatives);
    return out;
  }

  function expectAdjustedReference(
    prompt: number[],
    alternatives: TokenAlternatives[],
    adjust: (row: Float64Array, history: number[]) => void,
  ): void {
    const ids = [...prompt, ...alternatives.map((a) => a.tokenId)];
    const rows = reference.logits(ids);
    alternatives.forEach((a, step) => {
      const row = Float64Array.from(rows[prompt.length - 1 + step]!);
      adjust(row, ids.slice(0, prompt.length + step));
      const expected = logSoftmax(row);
      for (const t of a.top) expect(Math.abs(t.logprob - expected[t.tokenId]!)).toBeLessThan(1e-4);
      expect(Math.abs(a.logprob - expected[a.tokenId]!)).toBeLessThan(1e-4);
    });
  }

  it('DRY: the distribution sampling saw is the reference’s logits less the reference DRY', async () => {
    // A prompt that repeats itself, so DRY has runs to penalise from the first step.
    const context = 'the keeper lit the lamp and the keeper lit the lamp and the keeper lit the';
    const dry: DrySettings = { ...DEFAULT_DRY, multiplier: 3, allowedLength: 2 };
    const alternatives = await alternativesOf({
      context,
      maxTokens: 10,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1, dry },
      topAlternatives: 10,
    });
    const breakers = new Set(dry.sequenceBreakers.map((s) => model.encode(`a${s}`).at(-1)!));
    expect(breakers.has(198)).toBe(true);
    expectAdjustedReference(model.encode(context), alternatives, (row, history) => referenceDry(row, history, dry, breakers));
    // The prompt's repeat makes DRY penalise " lamp" at the first step (the check above is not vacuous).
    const first = new Float64Array(50257);
    referenceDry(first, model.encode(context), dry, breakers);
    expect(first[model.encode(' lamp')[0]!]).toBeLessThan(-3);
  });

  it('phrase bias: a strong bias writes the phrase out, and the distribution is the reference’s plus the bias', async () => {
    const phrase = 'the old harbour wall';
    const strength = 40;
    const alternatives = await alternativesOf({
      context: 'She walked down to',
      maxTokens: 6,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1 },
      bias: [{ phrase, strength }],
      topAlternatives: 5,
    });
    expect(alternatives.map((a) => a.text).join('')).toMatch(new RegExp(`^ ${phrase}`));
    // The prompt ends with a word, so the phrase is written with its space; the reference adds the strength to the
    // token of " the old harbour wall" that comes next as it is spelt out.
    const prompt = model.encode('She walked down to');
    const spaced = model.encode(` ${phrase}`);
    expect(alternatives.slice(0, spaced.length).map((a) => a.tokenId)).toEqual(spaced);
    expectAdjustedReference(prompt, alternatives.slice(0, spaced.length), (row, history) => {
      row[spaced[history.length - prompt.length]!]! += strength;
    });
  });
});
