/**
 * Banned words and phrases: the matcher (case, whole words, CJK, matches not yet decided, regular expressions),
 * and generation with backtracking: generate, ban a phrase that appeared, generate again; the phrase never
 * appears, the text before the place it first began is identical, and nothing streamed is ever taken back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { BanList, BanPatternError } from '../../../electron/engine/bans.js';
import { MAX_ROLLBACKS } from '../../../electron/engine/candidate.js';
import { generateWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type GenerationEvent } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';
import { loadReferenceModel, logSoftmax } from '../../support/reference-model.js';

const STORY = 'The lighthouse keeper had not spoken to anyone in three weeks. On the morning the boat came, she';

describe('the ban matcher', () => {
  it('matches plain phrases case-insensitively and as whole words at letter edges', () => {
    const bans = BanList.create(['very', 'shivers down'])!;
    expect(bans.firstMatch('It was Very good.', 0, false)).toEqual({ start: 7, end: 11 });
    expect(bans.firstMatch('every day, everyone', 0, true)).toBeNull();
    expect(bans.firstMatch('A chill sent SHIVERS DOWN her', 0, false)).toEqual({ start: 13, end: 25 });
    // Matches that end before `from` were shown already and are not looked at again.
    expect(bans.firstMatch('very good', 5, false)).toBeNull();
  });

  it('leaves a match at the very end undecided until more text comes or the text ends', () => {
    const bans = BanList.create(['dark'])!;
    expect(bans.firstMatch('the dark', 0, false)).toBeNull();
    expect(bans.firstMatch('the darkness', 0, false)).toBeNull();
    expect(bans.firstMatch('the dark night', 0, false)).toEqual({ start: 4, end: 8 });
    expect(bans.firstMatch('the dark', 0, true)).toEqual({ start: 4, end: 8 });
  });

  it('has no word edges in CJK text', () => {
    const bans = BanList.create(['心跳'])!;
    expect(bans.firstMatch('她的心跳加速了', 0, false)).toEqual({ start: 2, end: 4 });
  });

  it('holds back the end of the text that could still begin a phrase', () => {
    const bans = BanList.create(['shivers down her spine', 'very'])!;
    expect(bans.holdBack('It sent shivers do', 0)).toBe('shivers do'.length);
    expect(bans.holdBack('It was ver', 0)).toBe(3);
    // "ever" cannot begin the whole word "very".
    expect(bans.holdBack('It was ever', 0)).toBe(0);
    expect(bans.holdBack('It was very', 0)).toBe(4);
    expect(bans.holdBack('Nothing here.', 0)).toBe(0);
    // Never more than what is not shown yet.
    expect(bans.holdBack('It was ver', 7)).toBe(3);
    expect(bans.holdBack('It was ver', 8)).toBe(0);
  });

  it('regular expressions: RE2 syntax, matches up to the span, a clear error for a bad one, empty matches ignored', () => {
    const bans = BanList.create([], ['\\bsudden(ly)?\\b', 'x*'])!;
    expect(bans.firstMatch('And suddenly, it rained.', 0, false)).toEqual({ start: 4, end: 12 });
    expect(bans.holdBack('a'.repeat(300), 0)).toBe(100);
    expect(() => BanList.create([], ['(unclosed'])).toThrow(BanPatternError);
    expect(() => BanList.create([], ['(unclosed'])).toThrow(/"\(unclosed" is not a valid regular expression/);
    expect(BanList.create(['  '], [])).toBeNull();
  });
});

describe('generation with banned phrases (tiny model)', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel({ modelDir: await tinyCheckpoint(), precision: 'fp32', devices: ['cpu'] });
  });
  afterAll(async () => {
    await model.release();
  });

  interface Run {
    texts: string[];
    streamed: string[];
    ids: number[][];
    reasons: string[];
    generated: number;
  }

  async function run(request: GenerateRequest): Promise<Run> {
    const r: Run = { texts: [], streamed: [], ids: [], reasons: [], generated: 0 };
    for (let c = 0; c < request.candidates; c++) {
      r.streamed.push('');
      r.ids.push([]);
    }
    for await (const e of generateWith(model, request)) {
      if (e.type === 'token') {
        r.streamed[e.candidate] += e.text;
        if (e.tokenId >= 0) r.ids[e.candidate]!.push(e.tokenId);
      } else if (e.type === 'done') {
        r.texts[e.candidate] = e.text;
        r.reasons[e.candidate] = e.reason;
      } else r.generated = e.generatedTokens;
    }
    return r;
  }

  /** Where a plain phrase first occurs under the ban's rules (independently: a JS regular expression). */
  function firstOccurrence(text: string, phrase: string): number {
    const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const edgeStart = /^[\p{L}\p{N}_]/u.test(phrase) ? '(?<![\\p{L}\\p{N}_])' : '';
    const edgeEnd = /[\p{L}\p{N}_]$/u.test(phrase) ? '(?![\\p{L}\\p{N}_])' : '';
    return text.search(new RegExp(`${edgeStart}${escaped}${edgeEnd}`, 'iu'));
  }

  /** A phrase of `n` whole-word tokens from the ids of a text (the first begins a word, the next does not go on with it). */
  function phraseOf(ids: number[], n: number, from: number): { phrase: string; at: number } {
    const text = (k: number): string => (k < ids.length ? model.tokenizer.decode([ids[k]!]) : '');
    for (let k = from; k + n <= ids.length; k++) {
      const phrase = model.tokenizer.decode(ids.slice(k, k + n)).trim();
      const wordStart = /^ \p{L}/u.test(text(k));
      const wordEnd = !/^\p{L}/u.test(text(k + n));
      if (wordStart && wordEnd && /^\p{L}[\p{L} ]*\p{L}$/u.test(phrase) && phrase.includes(' ')) return { phrase, at: k };
    }
    throw new Error('no phrase of whole words in the text');
  }

  function expectBanned(before: string, after: string, streamed: string, found: (text: string) => number): void {
    const first = found(before);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(found(after)).toBe(-1);
    // The text up to where the phrase first began is the same; what was streamed is exactly the final text.
    expect(after.slice(0, first)).toBe(before.slice(0, first));
    expect(streamed).toBe(after);
  }

  it('greedy: a 2- or 3-token phrase that appeared never appears, and the text before it is unchanged', async () => {
    const request: GenerateRequest = { context: STORY, maxTokens: 80, candidates: 1, sampler: { ...DEFAULT_SAMPLER, greedy: true } };
    const free = await run(request);
    for (const n of [2, 3]) {
      const { phrase } = phraseOf(free.ids[0]!, n, 10);
      const banned = await run({ ...request, bans: [phrase] });
      expectBanned(free.texts[0]!, banned.texts[0]!, banned.streamed[0]!, (t) => firstOccurrence(t, phrase));
      expect(banned.texts[0]!.length).toBeGreaterThan(firstOccurrence(free.texts[0]!, phrase));
    }
  });

  it('greedy: a regular expression ban', async () => {
    const request: GenerateRequest = { context: STORY, maxTokens: 80, candidates: 1, sampler: { ...DEFAULT_SAMPLER, greedy: true } };
    const free = await run(request);
    const { phrase } = phraseOf(free.ids[0]!, 2, 20);
    // The phrase's words with any whitespace between them, as whole words.
    const source = `\\b${phrase
      .split(/\s+/)
      .map((w) => RE2JS.quote(w))
      .join('\\s+')}\\b`;
    const regex = RE2JS.compile(source);
    const found = (text: string): number => {
      const m = regex.matcher(text);
      return m.find(0) ? m.start() : -1;
    };
    const banned = await run({ ...request, banRegexes: [source] });
    expectBanned(free.texts[0]!, banned.texts[0]!, banned.streamed[0]!, found);
  });

  it('1,000 sampled tokens (two runs of 500): each banned phrase is gone and the text before it unchanged', async () => {
    for (const seed of [7, 8]) {
      const request: GenerateRequest = {
        context: STORY,
        maxTokens: 500,
        candidates: 1,
        sampler: { ...DEFAULT_SAMPLER, temperature: 1, topK: 0, topP: 1, seed },
      };
      const free = await run(request);
      expect(free.ids[0]!.length).toBe(500);
      const { phrase } = phraseOf(free.ids[0]!, 2, 100);
      const banned = await run({ ...request, bans: [phrase] });
      expectBanned(free.texts[0]!, banned.texts[0]!, banned.streamed[0]!, (t) => firstOccurrence(t, phrase));
      // The length counts the tokens kept, not the ones taken back.
      expect(banned.ids[0]!.length).toBe(500);
    }
  });

  it('several candidates: each keeps its text up to its own first occurrence', async () => {
    const request: GenerateRequest = { context: STORY, maxTokens: 60, candidates: 3, sampler: { ...DEFAULT_SAMPLER, seed: 12 } };
    const free = await run(request);
    const { phrase } = phraseOf(free.ids[0]!, 2, 5);
    const banned = await run({ ...request, bans: [phrase] });
    for (let c = 0; c < 3; c++) {
      expect(firstOccurrence(banned.texts[c]!, phrase)).toBe(-1);
      expect(banned.streamed[c]).toBe(banned.texts[c]);
      const first = firstOccurrence(free.texts[c]!, phrase);
      const kept = first < 0 ? free.texts[c]!.length : first;
      // Tokens before the first occurrence were sampled from the same logits and random numbers.
      expect(banned.texts[c]!.slice(0, kept)).toBe(free.texts[c]!.slice(0, kept));
    }
  });

  it('holds text back while a ban may still match, so streamed text is final even with stop rules', async () => {
    const request: GenerateRequest = {
      context: STORY,
      maxTokens: 40,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, greedy: true },
      stopAt: 'sentence',
    };
    const free = await run(request);
    const words = free.texts[0]!.trim().split(/\s+/);
    const banned = await run({ ...request, bans: [words[Math.min(2, words.length - 1)]!] });
    expect(banned.streamed[0]).toBe(banned.texts[0]);
    expect(firstOccurrence(banned.texts[0]!, words[Math.min(2, words.length - 1)]!)).toBe(-1);
  });

  it('a ban the model cannot avoid ends the candidate after a bounded number of rollbacks', async () => {
    const r = await run({
      context: STORY,
      maxTokens: 5,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, greedy: true },
      banRegexes: ['[\\s\\S]'],
    });
    expect(r.texts).toEqual(['']);
    expect(r.reasons).toEqual(['length']);
    // Every token chosen was taken back (a few gave only part of a character, taken back with the next), up to the bound.
    expect(r.generated).toBeGreaterThan(MAX_ROLLBACKS);
    expect(r.generated).toBeLessThan(2 * MAX_ROLLBACKS);
  });

  it('a bad regular expression fails the request with its reason, before any work', async () => {
    await expect(run({ context: STORY, maxTokens: 5, candidates: 1, sampler: DEFAULT_SAMPLER, banRegexes: ['a(b'] })).rejects.toThrow(
      /not a valid regular expression/,
    );
  });

  it('with text after the cursor, joining scores still read the context alone after a rollback', async () => {
    const reference = await loadReferenceModel(await tinyCheckpoint());
    const request: GenerateRequest = { context: STORY, maxTokens: 30, candidates: 2, sampler: { ...DEFAULT_SAMPLER, greedy: true } };
    const free = await run(request);
    const { phrase } = phraseOf(free.ids[0]!, 2, 3);
    const after = ' and went down to the harbour.';
    const events: GenerationEvent[] = [];
    for await (const e of generateWith(model, { ...request, bans: [phrase], after })) events.push(e);
    const prompt = model.encode(STORY);
    const following = model.encode(after);
    for (const e of events) {
      if (e.type !== 'done') continue;
      const own = model.encode(e.text);
      const logits = reference.logits([...prompt, ...own, ...following]);
      const expected = following.reduce((sum, t, j) => sum + logSoftmax(logits[prompt.length + own.length - 1 + j]!)[t]!, 0);
      expect(Math.abs(e.joiningScore! - expected)).toBeLessThan(1e-4);
    }
  });
});
