/**
 * The joining score of issue 13: for each candidate, log P(the first tokens of the text after the cursor | the
 * context, then the candidate), all candidates in one batch over the cached context, equal to the float64
 * reference model's value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_LIMITS } from '../../../electron/common/generation.js';
import { generateWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type GenerationEvent } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';
import { loadReferenceModel, logSoftmax, type ReferenceModel } from '../../support/reference-model.js';
import { prose } from '../../bench/prose.js';

const BEFORE = 'The lighthouse keeper had not spoken to anyone in three weeks. On the morning the boat came, she';
const AFTER =
  ' and the gulls rose crying over the harbour, as they did every spring when the ice let go of the bay and the boats came home.';

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

async function collect(request: GenerateRequest, m: LoadedModel = model): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const e of generateWith(m, request)) events.push(e);
  return events;
}

/** The reference's log P(after tokens | prompt, candidate), each part tokenized on its own. */
function referenceJoining(prompt: number[], candidate: string, after: number[]): number {
  const own = model.encode(candidate);
  const ids = [...prompt, ...own, ...after];
  const first = prompt.length + own.length - 1;
  const logits = reference.logits(ids, new Set(after.map((_, j) => first + j)));
  return after.reduce((sum, token, j) => sum + logSoftmax(logits[first + j]!)[token]!, 0);
}

describe('joining scores', () => {
  it('each candidate’s done carries log P(after | context + candidate), equal to the reference to 1e-4', async () => {
    const request: GenerateRequest = {
      context: BEFORE,
      after: AFTER,
      maxTokens: 8,
      candidates: 3,
      sampler: { ...DEFAULT_SAMPLER, seed: 21 },
    };
    const events = await collect(request);
    const dones = events.flatMap((e) => (e.type === 'done' ? [e] : []));
    expect(dones).toHaveLength(3);
    // Every done comes after every token: the scores need all candidates to have ended.
    const lastToken = events.findLastIndex((e) => e.type === 'token');
    expect(events.findIndex((e) => e.type === 'done')).toBeGreaterThan(lastToken);
    const prompt = model.encode(BEFORE);
    const after = model.encode(AFTER).slice(0, GENERATION_LIMITS.joiningTokens);
    expect(after).toHaveLength(24);
    for (const done of dones) {
      expect(done.joiningScore).toBeDefined();
      expect(Math.abs(done.joiningScore! - referenceJoining(prompt, done.text, after))).toBeLessThan(1e-4);
    }
    expect(new Set(dones.map((d) => d.joiningScore)).size).toBe(3);
    const stats = events.at(-1)!;
    expect(stats.type === 'stats' && stats.joiningMs! >= 0).toBe(true);
  });

  it('a candidate that ended at once is scored from the context alone', async () => {
    const greedy = { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1 };
    const first = (await collect({ context: BEFORE, maxTokens: 1, candidates: 1, sampler: greedy })).find((e) => e.type === 'token')!;
    // The model's own first choice is made its end-of-text token: the candidate is empty.
    const events = await collect({ context: BEFORE, after: AFTER, maxTokens: 4, candidates: 1, sampler: greedy }, {
      ...model,
      eosTokenId: first.type === 'token' ? first.tokenId : -1,
    } as LoadedModel);
    const done = events.find((e) => e.type === 'done')!;
    expect(done.type === 'done' && done.text).toBe('');
    const after = model.encode(AFTER).slice(0, GENERATION_LIMITS.joiningTokens);
    expect(done.type === 'done' && Math.abs(done.joiningScore! - referenceJoining(model.encode(BEFORE), '', after))).toBeLessThan(1e-4);
  });

  it('near the end of the window, the text after is cut to what still fits', async () => {
    let context = prose(1000, 2);
    while (model.encode(context).length > 1010) context = context.slice(0, context.lastIndexOf(' '));
    const prompt = model.encode(context);
    const events = await collect({ context, after: AFTER, maxTokens: 6, candidates: 2, sampler: { ...DEFAULT_SAMPLER, seed: 4 } });
    const dones = events.flatMap((e) => (e.type === 'done' ? [e] : []));
    const longest = Math.max(...dones.map((d) => model.encode(d.text).length));
    const room = 1024 - prompt.length - longest;
    expect(room).toBeLessThan(GENERATION_LIMITS.joiningTokens);
    const after = model.encode(AFTER).slice(0, room);
    for (const done of dones) expect(Math.abs(done.joiningScore! - referenceJoining(prompt, done.text, after))).toBeLessThan(1e-4);
  });

  it('without text after the cursor nothing is added and nothing waits', async () => {
    for (const after of [undefined, '']) {
      const events = await collect({
        context: BEFORE,
        ...(after === undefined ? {} : { after }),
        maxTokens: 4,
        candidates: 2,
        sampler: DEFAULT_SAMPLER,
      });
      for (const e of events) if (e.type === 'done') expect(e.joiningScore).toBeUndefined();
      const stats = events.at(-1)!;
      expect(stats.type === 'stats' && stats.joiningMs).toBeUndefined();
    }
  });

  it('an aborted generation gets no joining score', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborted: GenerationEvent[] = [];
    for await (const e of generateWith(
      model,
      { context: BEFORE, after: AFTER, maxTokens: 4, candidates: 2, sampler: DEFAULT_SAMPLER },
      controller.signal,
    ))
      aborted.push(e);
    for (const e of aborted) if (e.type === 'done') expect([e.reason, e.joiningScore]).toEqual(['aborted', undefined]);
  });
});
