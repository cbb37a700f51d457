/**
 * Alternatives on generated tokens: the top N of the log-softmax of the logits sampling saw (penalties applied,
 * before temperature), from the pass that produced the token, checked against the float64 reference model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alternativesAt, logSumExp, tokenRank, topTokenIds } from '../../../electron/engine/alternatives.js';
import { generateWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type GenerationEvent, type TokenAlternatives } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';
import { randomLogits } from '../../support/random-logits.js';
import { loadReferenceModel, logSoftmax, type ReferenceModel } from '../../support/reference-model.js';

const STORY = 'The lighthouse keeper had not spoken to anyone in three weeks. On the morning the boat came, she';

describe('the log-softmax helpers', () => {
  it('topTokenIds equals a full sort (largest first, lower id first on ties), for every n up to 20', () => {
    const logits = randomLogits(50257, 7);
    // Ties, and banned tokens that must never be offered.
    logits[10] = logits[20] = logits[30] = 5;
    logits[40] = -Infinity;
    logits[41] = NaN;
    const sorted = Array.from(logits.keys())
      .filter((i) => logits[i]! > -Infinity)
      .sort((a, b) => logits[b]! - logits[a]! || a - b);
    for (let n = 0; n <= 20; n++) expect(topTokenIds(logits, n)).toEqual(sorted.slice(0, n));
    expect(topTokenIds(Float32Array.of(-Infinity, 1, -Infinity), 3)).toEqual([1]);
  });

  it('logSumExp and tokenRank match plain float64 arithmetic', () => {
    const logits = randomLogits(50257, 3);
    const max = Math.max(...logits);
    let sum = 0;
    for (const v of logits) sum += Math.exp(v - max);
    expect(logSumExp(logits)).toBeCloseTo(max + Math.log(sum), 10);
    expect(logSumExp(Float32Array.of(-Infinity, -Infinity))).toBe(-Infinity);
    const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
    for (const r of [0, 1, 17, 999]) expect(tokenRank(logits, order[r]!)).toBe(r + 1);
  });

  it('alternativesAt gives the chosen token its log-probability even when it is not among the top', () => {
    const logits = Float32Array.of(1, 3, 2, 0);
    const logZ = Math.log(Math.E + Math.E ** 3 + Math.E ** 2 + 1);
    const got = alternativesAt(logits, 2, 3, (id) => `t${id}`);
    expect(got.logprob).toBeCloseTo(0 - logZ, 6);
    expect(got.top.map((t) => t.tokenId)).toEqual([1, 2]);
    expect(got.top[0]!.text).toBe('t1');
    expect(got.top[0]!.logprob).toBeCloseTo(3 - logZ, 6);
  });
});

describe('alternatives from generation (tiny model, fp32)', () => {
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

  async function tokensOf(request: GenerateRequest): Promise<{ events: GenerationEvent[]; alternatives: TokenAlternatives[][] }> {
    const events: GenerationEvent[] = [];
    const alternatives: TokenAlternatives[][] = Array.from({ length: request.candidates }, () => []);
    for await (const e of generateWith(model, request)) {
      events.push(e);
      if (e.type === 'token' && e.alternatives) alternatives[e.candidate]!.push(e.alternatives);
    }
    return { events, alternatives };
  }

  /** Checks one candidate's alternatives against the reference, with `adjust` applying what sampling applied. */
  function expectReference(
    prompt: number[],
    alternatives: TokenAlternatives[],
    n: number,
    adjust: (row: Float64Array, history: number[]) => void,
  ): void {
    const ids = [...prompt, ...alternatives.map((a) => a.tokenId)];
    const rows = reference.logits(ids);
    alternatives.forEach((a, step) => {
      const row = Float64Array.from(rows[prompt.length - 1 + step]!);
      adjust(row, ids.slice(0, prompt.length + step));
      const expected = logSoftmax(row);
      const order = Array.from(expected.keys()).sort((x, y) => expected[y]! - expected[x]!);
      expect(a.top).toHaveLength(n);
      // Ids in the reference's order (the tiny model's random weights leave no near-ties at the top).
      expect(a.top.map((t) => t.tokenId)).toEqual(order.slice(0, n));
      for (const t of a.top) {
        expect(Math.abs(t.logprob - expected[t.tokenId]!)).toBeLessThan(1e-4);
        expect(t.text).toBe(model.tokenizer.decode([t.tokenId]));
      }
      expect(Math.abs(a.logprob - expected[a.tokenId]!)).toBeLessThan(1e-4);
    });
  }

  it('greedy: every step offers the reference model’s top N, with its log-probabilities to 1e-4', async () => {
    const request: GenerateRequest = {
      context: STORY,
      maxTokens: 8,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1 },
      topAlternatives: 5,
    };
    const { alternatives } = await tokensOf(request);
    expect(alternatives[0]).toHaveLength(8);
    // Greedy picks the first alternative every time.
    for (const a of alternatives[0]!) expect(a.top[0]!.tokenId).toBe(a.tokenId);
    expectReference(model.tokenizer.encode(STORY), alternatives[0]!, 5, () => undefined);
  });

  it('sampled with a repetition penalty: the distribution has the penalty in it, and no temperature', async () => {
    const penalty = 1.5;
    const request: GenerateRequest = {
      context: STORY,
      maxTokens: 10,
      candidates: 2,
      sampler: { ...DEFAULT_SAMPLER, temperature: 1.7, topK: 0, topP: 1, repetitionPenalty: penalty, repetitionWindow: 256, seed: 5 },
      topAlternatives: 20,
    };
    const { alternatives } = await tokensOf(request);
    const prompt = model.tokenizer.encode(STORY);
    // The plain HF repetition penalty over the last 256 tokens.
    const applyPenalty = (row: Float64Array, history: number[]): void => {
      for (const t of new Set(history.slice(-256))) row[t] = row[t]! < 0 ? row[t]! * penalty : row[t]! / penalty;
    };
    for (const candidate of alternatives) expectReference(prompt, candidate, 20, applyPenalty);
    // The chosen token need not be the likeliest: with temperature 1.7 over the whole vocabulary some are not.
    const ranks = alternatives.flat().map((a) => a.top.findIndex((t) => t.tokenId === a.tokenId));
    expect(ranks.some((r) => r !== 0)).toBe(true);
  });

  it('offsets place each token’s text in the candidate’s text; stream: false carries them on done', async () => {
    const base: GenerateRequest = {
      context: STORY,
      maxTokens: 12,
      candidates: 2,
      sampler: { ...DEFAULT_SAMPLER, seed: 9 },
      topAlternatives: 3,
    };
    const streamed = await tokensOf(base);
    const quiet = await tokensOf({ ...base, stream: false });
    expect(quiet.events.filter((e) => e.type === 'token')).toHaveLength(0);
    for (const e of quiet.events) {
      if (e.type !== 'done') continue;
      expect(e.tokens).toEqual(streamed.alternatives[e.candidate]);
      const text = e.text;
      let end = 0;
      for (const t of e.tokens!) {
        expect(t.offset).toBe(end);
        expect(text.slice(t.offset, t.offset + t.text.length)).toBe(t.text);
        end = t.offset + t.text.length;
      }
      expect(end).toBe(text.length);
    }
    // Nothing is added to a request that did not ask.
    const plain = await tokensOf({ ...base, topAlternatives: 0, stream: false });
    for (const e of plain.events) if (e.type === 'done') expect(e.tokens).toBeUndefined();
  });

  it('a seeded request picks the same tokens with or without alternatives', async () => {
    const base: GenerateRequest = { context: STORY, maxTokens: 10, candidates: 2, sampler: { ...DEFAULT_SAMPLER, seed: 11 } };
    const ids = (events: GenerationEvent[]) => events.flatMap((e) => (e.type === 'token' && e.tokenId >= 0 ? [e.tokenId] : []));
    const without = await tokensOf(base);
    const withAlternatives = await tokensOf({ ...base, topAlternatives: 4 });
    expect(ids(withAlternatives.events)).toEqual(ids(without.events));
  });
});
