/** Generation through the engine: streaming, seeds, candidates, stops, cancellation, prefix cache, window. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWith, prefillWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type GenerationEvent, type GenerationStats } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

const STORY = 'The lighthouse keeper had not spoken to anyone in three weeks. On the morning the boat came, she';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
});
afterAll(async () => {
  await model.release();
});

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return { context: STORY, maxTokens: 12, candidates: 1, sampler: { ...DEFAULT_SAMPLER, seed: 42 }, ...overrides };
}

interface Run {
  events: GenerationEvent[];
  texts: string[];
  ids: number[][];
  reasons: string[];
  stats: GenerationStats;
}

async function run(req: GenerateRequest, signal?: AbortSignal, onToken?: (n: number) => void, m: LoadedModel = model): Promise<Run> {
  const events: GenerationEvent[] = [];
  const texts = Array.from({ length: req.candidates }, () => '');
  const ids: number[][] = Array.from({ length: req.candidates }, () => []);
  const reasons: string[] = [];
  let stats: GenerationStats | null = null;
  let tokens = 0;
  for await (const e of generateWith(m, req, signal)) {
    events.push(e);
    if (e.type === 'token') {
      texts[e.candidate] += e.text;
      if (e.tokenId >= 0) ids[e.candidate]!.push(e.tokenId);
      onToken?.(++tokens);
    } else if (e.type === 'done') {
      reasons[e.candidate] = e.reason;
      expect(e.text).toBe(texts[e.candidate]);
    } else stats = e;
  }
  return { events, texts, ids, reasons, stats: stats! };
}

describe('generation', () => {
  it('streams tokens with text, id and a log-probability, then done and stats', async () => {
    const r = await run(request());
    const tokens = r.events.filter((e) => e.type === 'token');
    expect(tokens.length).toBe(12);
    for (const t of tokens) {
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(Number.isFinite(t.logprob)).toBe(true);
    }
    expect(r.reasons).toEqual(['length']);
    expect(r.events.at(-1)!.type).toBe('stats');
    expect(r.stats.generatedTokens).toBe(12);
    expect(r.stats.promptTokens).toBe(model.tokenizer.encode(STORY).length);
    expect(r.texts[0]).toBe(model.tokenizer.decode(r.ids[0]!));
  });

  it('the same seed gives the same text; another seed another text', async () => {
    const a = await run(request());
    const b = await run(request());
    const c = await run(request({ sampler: { ...DEFAULT_SAMPLER, seed: 43 } }));
    expect(b.ids).toEqual(a.ids);
    expect(c.ids).not.toEqual(a.ids);
  });

  it('greedy follows the argmax chain of the model', async () => {
    const r = await run(request({ sampler: { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1 }, maxTokens: 6 }));
    const prompt = model.tokenizer.encode(STORY);
    let { logits } = await model.decoder.setContext(prompt);
    model.decoder.startGeneration(1, 8);
    const expected: number[] = [];
    for (let i = 0; i < 6; i++) {
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v;
      expected.push(best);
      logits = Float32Array.from(await model.decoder.step([best]));
    }
    expect(r.ids[0]).toEqual(expected);
    // The log-probability of a greedy token is that of the most likely token.
    for (const e of r.events) if (e.type === 'token' && e.tokenId >= 0) expect(e.logprob).toBeGreaterThan(-20);
  });

  it('N candidates come from one batch, differ from each other, and are reproducible', async () => {
    const r = await run(request({ candidates: 3 }));
    expect(r.reasons).toEqual(['length', 'length', 'length']);
    expect(new Set(r.texts).size).toBe(3);
    const again = await run(request({ candidates: 3 }));
    expect(again.ids).toEqual(r.ids);
    // One prefill for all three.
    expect(r.stats.promptTokens).toBe(model.tokenizer.encode(STORY).length);
  });

  it('stops at a stop string without emitting it', async () => {
    const free = await run(request({ sampler: { ...DEFAULT_SAMPLER, greedy: true }, maxTokens: 12 }));
    const text = free.texts[0]!;
    const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 3);
    expect(stop.length).toBe(3);
    const r = await run(request({ sampler: { ...DEFAULT_SAMPLER, greedy: true }, maxTokens: 12, stopStrings: [stop] }));
    expect(r.reasons).toEqual(['stop-string']);
    expect(r.texts[0]).toBe(text.slice(0, text.indexOf(stop)));
  });

  it('stops at the end-of-text token', async () => {
    const first = (await run(request({ sampler: { ...DEFAULT_SAMPLER, greedy: true }, maxTokens: 3 }))).ids[0]!;
    // Make the model's own second greedy token its end-of-text token: the generation must stop there.
    const r = await run(request({ sampler: { ...DEFAULT_SAMPLER, greedy: true }, maxTokens: 3 }), undefined, undefined, {
      ...model,
      eosTokenId: first[1]!,
    } as LoadedModel);
    expect(r.reasons).toEqual(['eos']);
    expect(r.ids[0]).toEqual([first[0]]);
  });

  it('cancels between steps, and the next request is served as if nothing happened', async () => {
    const controller = new AbortController();
    const cut = await run(request({ maxTokens: 40, candidates: 2 }), controller.signal, (n) => {
      if (n === 5) controller.abort();
    });
    expect(cut.reasons).toEqual(['aborted', 'aborted']);
    expect(cut.stats.generatedTokens).toBeLessThan(10);
    const after = await run(request({ context: `${STORY} quickly` }));
    const fresh = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    const expected = await run(request({ context: `${STORY} quickly` }), undefined, undefined, fresh);
    await fresh.release();
    expect(after.ids).toEqual(expected.ids);
  });

  it('a writer who typed one more word pays only for the new tokens', async () => {
    await run(request({ context: STORY, maxTokens: 2 }));
    const next = await run(request({ context: `${STORY} opened`, maxTokens: 2 }));
    const promptTokens = model.tokenizer.encode(`${STORY} opened`).length;
    expect(next.stats.promptTokens).toBe(promptTokens);
    expect(next.stats.reusedTokens).toBe(model.tokenizer.encode(STORY).length);
  });

  it('pins the memory ahead of a long document and fits the window', async () => {
    const paragraph = 'She walked along the shore and counted the gulls, one by one, until the light failed. ';
    const longText = paragraph.repeat(200);
    const memory = 'Memory: Aroha is the keeper. The year is 1893.';
    const r = await run(request({ context: longText, memory, maxTokens: 8 }));
    // A long document slides as if 128 tokens were asked for, so every request length picks the same start.
    expect(r.stats.contextTokens).toBeLessThanOrEqual(1024 - 128);
    // The window slides in steps of 256 tokens, so it is full to within one step.
    expect(r.stats.contextTokens).toBeGreaterThan(1024 - 128 - 256);
    const cached = model.decoder.cachedTokens;
    const memoryIds = model.tokenizer.encode(memory);
    expect(cached.slice(0, memoryIds.length)).toEqual(memoryIds);
    // Typing at the end keeps the start of the window, so the cache is reused.
    const more = await run(request({ context: `${longText}And then`, memory, maxTokens: 8 }));
    expect(more.stats.reusedTokens).toBeGreaterThan(800);
  });

  it('keeps the cache when requests of different lengths alternate on a long document', async () => {
    const longText = 'The harbour lights went out one by one, and the keeper wrote it all down. '.repeat(120);
    await run(request({ context: longText, maxTokens: 40 }));
    const continuation = await run(request({ context: longText, maxTokens: 80 }));
    expect(continuation.stats.reusedTokens).toBe(continuation.stats.promptTokens - 1);
    const inline = await run(request({ context: `${longText}Then`, maxTokens: 12 }));
    expect(inline.stats.reusedTokens).toBeGreaterThan(inline.stats.promptTokens - 5);
  });

  it('prefill warms the cache: the next suggestion after one more word computes only that word', async () => {
    const draft = `${STORY} `.repeat(30);
    const warm = await prefillWith(model, { context: draft, maxTokens: 12 });
    expect(warm.contextTokens).toBeGreaterThan(500);
    const next = await run(request({ context: `${draft}Then`, maxTokens: 12 }));
    expect(next.stats.reusedTokens).toBeGreaterThanOrEqual(warm.contextTokens - 1);
  });

  it('rejects malformed requests', async () => {
    await expect(run(request({ candidates: 0 }))).rejects.toThrow(/candidates/);
    await expect(run(request({ maxTokens: 4000 }))).rejects.toThrow(/maxTokens/);
  });
});
