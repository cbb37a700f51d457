/**
 * A draft longer than the window slides it in steps; the slid window is prepared between requests, in a second
 * cache, so the request after a slide reads only the words typed since, not the whole window again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../../electron/engine/engine.js';
import { nextWindow, prefillWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { reusablePrefix } from '../../../electron/engine/runtime/decoder.js';
import type { KaituhiDecoder } from '../../../electron/engine/runtime/kaituhi-decoder.js';
import { DEFAULT_SAMPLER, type GenerateRequest } from '../../../electron/engine/types.js';
import { prose } from '../../bench/prose.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

const WORDS = prose(31_000, 5).split(' ');
const draft = (words: number): string => WORDS.slice(0, words).join(' ');
const suggestion = (context: string): GenerateRequest => ({
  context,
  maxTokens: 4,
  candidates: 1,
  sampler: { ...DEFAULT_SAMPLER, greedy: true },
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('the spare context cache', () => {
  let model: LoadedModel;
  let fresh: LoadedModel;
  beforeAll(async () => {
    model = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    fresh = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
  });
  afterAll(async () => {
    await model.release();
    await fresh.release();
  });

  it('fills in chunks, is swapped in when it holds more of the new context, and gives the logits of a fresh run', async () => {
    const tokens = model.encode(draft(400));
    const active = tokens.slice(0, 300);
    const slid = tokens.slice(100, 380);
    await model.decoder.setContext(active);
    const chunks: boolean[] = [];
    for (let done = false; !done;) chunks.push((done = await model.decoder.prepareSpare!(slid.slice(0, 250), 64)));
    expect(chunks).toEqual([false, false, false, true]); // 250 tokens, 64 at a time
    // The active context is untouched by the background work.
    expect(model.decoder.cachedTokens).toEqual(active);
    // Words typed since are added in batches: 10 missing tokens wait for a batch of 32; 30 are enough for 16.
    const kaituhi = model.decoder as KaituhiDecoder;
    expect(await kaituhi.prepareSpare(slid.slice(0, 260), 64, 32)).toBe(true);
    expect(kaituhi.spareTokens).toHaveLength(250);
    expect(await kaituhi.prepareSpare(slid, 64, 16)).toBe(true);
    expect(kaituhi.spareTokens).toEqual(slid);

    const { logits, reused } = await model.decoder.setContext(slid);
    expect(reused).toBe(slid.length - 1);
    const reference = await fresh.decoder.setContext(slid);
    expect(maxAbsDiff(logits, reference.logits)).toBeLessThan(1e-4);
    // Decoding after the swap runs on the swapped-in cache.
    model.decoder.startGeneration(1, 2);
    fresh.decoder.startGeneration(1, 2);
    expect(maxAbsDiff(await model.decoder.step([42]), await fresh.decoder.step([42]))).toBeLessThan(1e-4);
    // The old context became the spare: going back to it reuses it too.
    expect((await model.decoder.setContext(active)).reused).toBe(active.length - 1);
  });

  it('predicts the window after the next slide from the text typed so far', async () => {
    // A draft whose window will slide within a few hundred more words.
    // Up to a long draft (29,000 words, about 160,000 characters), which is searched through its tail only.
    for (const words of [720, 900, 1300, 29_000]) {
      const request = { context: draft(words), maxTokens: 4 };
      const prefix = nextWindow(model, request)?.prefix ?? null;
      expect(prefix, `${words} words`).not.toBeNull();
      // Type on until the window's start moves: the window then starts with the predicted tokens.
      let later = words;
      let now = await prefillTokens(model, draft(words));
      for (;;) {
        later += 3;
        expect(later, 'the window never moved').toBeLessThan(words + 1000);
        const tokens = await prefillTokens(model, draft(later));
        // The window moved when the new tokens no longer extend the old ones.
        if (reusablePrefix(now, tokens) < now.length - 8) {
          now = tokens;
          break;
        }
        now = tokens;
      }
      expect(reusablePrefix(prefix!, now), `${words} words, slid at ${later}`).toBeGreaterThanOrEqual(prefix!.length - 3);
    }
  });

  it('a short draft has no slide to prepare', () => {
    expect(nextWindow(model, { context: draft(100), maxTokens: 4 })).toBeNull();
  });
});

/** The tokens a request for `text` runs on (what setContext is given). */
async function prefillTokens(model: LoadedModel, text: string): Promise<number[]> {
  await prefillWith(model, { context: text, maxTokens: 4 });
  return [...model.decoder.cachedTokens];
}

describe('typing past the window', () => {
  it('every request after a slide reuses the window prepared in the background', async () => {
    const engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    try {
      const rows: { prompt: number; reused: number }[] = [];
      for (let words = 700; words < 1250; words += 8) {
        for await (const e of engine.generate(suggestion(draft(words))))
          if (e.type === 'stats') rows.push({ prompt: e.promptTokens, reused: e.reusedTokens });
        await engine.idle();
      }
      const slides = rows.filter((r, i) => i > 0 && r.prompt < rows[i - 1]!.prompt);
      expect(slides.length).toBeGreaterThanOrEqual(3);
      // After the cold first request, each request reads only the words typed since the last one (8 words, under
      // 20 tokens) — slides included.
      for (const r of rows.slice(1)) expect(r.prompt - r.reused).toBeLessThan(20);
    } finally {
      await engine.close();
    }
  });

  it('the request after a slide generates what a fresh engine generates for the same text', async () => {
    const engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    const fresh = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    const run = async (e: LocalEngine, text: string): Promise<{ tokens: number[]; prompt: number; reused: number }> => {
      const out = { tokens: [] as number[], prompt: 0, reused: 0 };
      for await (const ev of e.generate(suggestion(text))) {
        if (ev.type === 'token') out.tokens.push(ev.tokenId);
        if (ev.type === 'stats') Object.assign(out, { prompt: ev.promptTokens, reused: ev.reusedTokens });
      }
      return out;
    };
    try {
      let previous = await run(engine, draft(1000));
      for (let words = 1010; ; words += 10) {
        await engine.idle();
        const next = await run(engine, draft(words));
        if (next.prompt < previous.prompt) {
          expect(next.prompt - next.reused).toBeLessThan(24);
          expect(next.tokens).toEqual((await run(fresh, draft(words))).tokens);
          break;
        }
        previous = next;
      }
    } finally {
      await engine.close();
      await fresh.close();
    }
  });
});

describe('Tab across a slide', () => {
  it('the ghost text read while the writer reads it is ready after Tab, also when accepting it slides the window', async () => {
    const engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    const ghostWords = 30;
    try {
      const tabs: { words: number; prompt: number; reused: number; slid: boolean }[] = [];
      let lastPrompt = 0;
      for (let words = 700; words < 1250; words += ghostWords) {
        // The writer's request; then, while they read the ghost, the warm-up of the text Tab would leave (which
        // leaves the writer's window alone when it would slide it: they may type on instead).
        for await (const e of engine.generate(suggestion(draft(words)))) if (e.type === 'stats') lastPrompt = e.promptTokens;
        const warmed = await engine.prefill({ context: draft(words + ghostWords), maxTokens: 4, keepWindow: true });
        await engine.idle();
        // Tab: the next request continues from the accepted words.
        for await (const e of engine.generate(suggestion(draft(words + ghostWords))))
          if (e.type === 'stats')
            tabs.push({
              words,
              prompt: e.promptTokens,
              reused: e.reusedTokens,
              slid: warmed.skipped === true || e.promptTokens < lastPrompt,
            });
        await engine.idle();
      }
      expect(tabs.filter((tab) => tab.slid).length, 'Tabs that slid the window').toBeGreaterThanOrEqual(2);
      // Every Tab, those that slide the window included, reads at most the prompt's last few tokens again.
      for (const tab of tabs) expect(tab.prompt - tab.reused, JSON.stringify(tab)).toBeLessThanOrEqual(4);
    } finally {
      await engine.close();
    }
  });

  it('a writer who types on instead of pressing Tab still finds their own window, also where the ghost would have slid it', async () => {
    const engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    try {
      const typedOn: { words: number; prompt: number; reused: number }[] = [];
      for (let words = 700; words < 1250; words += 30) {
        for await (const e of engine.generate(suggestion(draft(words)))) void e;
        const warmed = await engine.prefill({ context: draft(words + 30), maxTokens: 4, keepWindow: true });
        await engine.idle();
        // Not the ghost's words: two of the writer's own.
        for await (const e of engine.generate(suggestion(`${draft(words)} Nevertheless, she`)))
          if (e.type === 'stats' && warmed.skipped) typedOn.push({ words, prompt: e.promptTokens, reused: e.reusedTokens });
        await engine.idle();
      }
      expect(typedOn.length, 'warm-ups left undone because they would slide').toBeGreaterThanOrEqual(2);
      for (const request of typedOn) expect(request.prompt - request.reused, JSON.stringify(request)).toBeLessThanOrEqual(8);
    } finally {
      await engine.close();
    }
  });
});
