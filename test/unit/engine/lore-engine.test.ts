/**
 * Lore, memory and the note through the real engine (the tiny generated model): the inspector shows exactly the
 * tokens generation runs on and what the cache holds of them, it says which change to memory or lore makes the
 * next suggestion re-read the window, it never changes the lore activation, and the background slide still
 * prepares the window a request with lore and a note runs on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NOTE, newLoreEntry, type Lorebook } from '../../../electron/common/lore.js';
import { inspectContextWith } from '../../../electron/engine/context-view.js';
import { LocalEngine } from '../../../electron/engine/engine.js';
import { generateWith, nextWindow } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type PrefillRequest } from '../../../electron/engine/types.js';
import { prose } from '../../bench/prose.js';
import { testModel, tinyCheckpoint } from '../../support/fixtures.js';

const lighthouse = newLoreEntry('lighthouse', {
  title: 'The lighthouse',
  text: 'The lighthouse on the rocks has been dark since the wreck.',
  keys: ['lamp', 'lighthouse'],
  scanDepth: 200,
});
const aroha = newLoreEntry('aroha', { title: 'Aroha', text: 'Aroha is the keeper’s daughter; she rows alone.', keys: ['Aroha'] });
const law = newLoreEntry('law', { title: 'Harbour law', text: 'No boat leaves after the bell.', alwaysOn: true });
const lorebook: Lorebook = { budget: 256, entries: [lighthouse, aroha, law] };
const memory = 'This is a story about a harbour town in winter.\n';
const note = { ...DEFAULT_NOTE, text: 'Write slowly; dread.' };

const request = (context: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  memory,
  note,
  lorebook,
  context,
  maxTokens: 4,
  candidates: 1,
  sampler: { ...DEFAULT_SAMPLER, greedy: true },
  ...extra,
});

async function run(model: LoadedModel, req: GenerateRequest): Promise<{ prompt: number; reused: number }> {
  let out = { prompt: 0, reused: 0 };
  for await (const e of generateWith(model, req)) if (e.type === 'stats') out = { prompt: e.promptTokens, reused: e.reusedTokens };
  return out;
}

const WORDS = prose(3000, 3).split(' ');
const draft = (words: number): string => WORDS.slice(0, words).join(' ');
/** The prose names Aroha now and then: a text where her entry's key is out of reach. */
const withoutKey = (text: string, key: string): string => text.replaceAll(key, 'The cook');

describe('the context inspector on the real engine', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
  });
  afterAll(async () => {
    await model.release();
  });

  it('shows the very tokens generation runs on, by source, and what the cache holds of them', async () => {
    const story = `${draft(400)} Aroha looked at the lamp.`;
    const view = inspectContextWith(model, request(story));
    const ids = view.segments.flatMap((s) => [...s.tokenIds]);
    expect(view.promptTokens).toBe(ids.length);
    expect(view.segments.map((s) => s.source)).toEqual(['memory', 'lore', 'lore', 'lore', 'story', 'note', 'story']);
    expect(view.segments.filter((s) => s.source === 'lore').map((s) => s.title)).toEqual(['The lighthouse', 'Aroha', 'Harbour law']);
    expect(view.segments[0]!.text).toBe(memory);
    expect(view.segments.find((s) => s.source === 'note')!.text).toBe('[ Write slowly; dread. ]\n');
    expect(view.segments.map((s) => s.text).join('')).toBe(model.tokenizer.decode(ids));
    for (const s of view.segments) expect(s.pieces.join('')).toBe(s.text);
    expect(view.budget).toEqual({
      start: 0,
      memory: view.segments[0]!.tokenIds.length,
      lore: view.segments.filter((s) => s.source === 'lore').reduce((n, s) => n + s.tokenIds.length, 0),
      note: view.segments.find((s) => s.source === 'note')!.tokenIds.length,
      story: view.segments.filter((s) => s.source === 'story').reduce((n, s) => n + s.tokenIds.length, 0),
      reserved: 4,
    });

    const ran = await run(model, request(story));
    expect(ran.prompt).toBe(view.promptTokens);
    expect([...model.decoder.cachedTokens]).toEqual(ids);
    const warm = inspectContextWith(model, request(story));
    expect(warm.reusedTokens).toBe(warm.promptTokens - 1);
    expect(warm.rereadFrom).toBeNull();

    // One more word: the cache holds all but the new tokens, and nothing warns.
    const typed = inspectContextWith(model, request(`${story} She`));
    expect(typed.promptTokens - typed.reusedTokens).toBeLessThan(6);
    expect(typed.rereadFrom).toBeNull();

    // An edit to memory, or to an active entry, makes the next suggestion re-read from there: the inspector says so.
    const edited = inspectContextWith(model, request(story, { memory: 'This is a story about a harbour town in spring.\n' }));
    expect(edited.rereadFrom).toEqual({ source: 'memory', change: 'edited' });
    expect(edited.reusedTokens).toBeLessThan(view.budget.memory);
    const changedLore = { ...lorebook, entries: [lighthouse, { ...aroha, text: 'Aroha is the keeper’s niece.' }, law] };
    const loreEdit = inspectContextWith(model, request(story, { lorebook: changedLore }));
    expect(loreEdit.rereadFrom).toEqual({ source: 'lore', entryId: 'aroha', title: 'Aroha', change: 'edited' });
    // An entry that was not active comes in after the others: the warning says it entered, it was not edited.
    const rua = newLoreEntry('rua', { title: 'Rua', text: 'Rua drowned.', keys: ['Rua'] });
    const entering = inspectContextWith(model, request(`${story} Rua`, { lorebook: { ...lorebook, entries: [...lorebook.entries, rua] } }));
    expect(entering.rereadFrom).toEqual({ source: 'lore', entryId: 'rua', title: 'Rua', change: 'entered' });
    expect(entering.reusedTokens).toBe(view.budget.memory + view.budget.lore);
    // The cache still holds memory, the entry before it and the words the edit kept ("Aroha is the keeper’s").
    const before = view.budget.memory + view.segments[1]!.tokenIds.length;
    expect(loreEdit.reusedTokens).toBeGreaterThanOrEqual(before);
    expect(loreEdit.reusedTokens).toBeLessThan(before + view.segments[2]!.tokenIds.length);

    // A part that goes out of the window is named from what the cache holds, not by the part that takes its place.
    const withoutAroha = inspectContextWith(model, request(`${withoutKey(draft(400), 'Aroha')} The lamp.`));
    expect(withoutAroha.segments.filter((s) => s.source === 'lore').map((s) => s.entryId)).toEqual(['lighthouse', 'law']);
    expect(withoutAroha.rereadFrom).toEqual({ source: 'lore', entryId: 'aroha', title: 'Aroha', change: 'left' });
    expect(withoutAroha.reusedTokens).toBeGreaterThanOrEqual(before);
    const deleted = inspectContextWith(model, request(story, { lorebook: { ...lorebook, entries: [lighthouse, law] } }));
    expect(deleted.rereadFrom).toEqual({ source: 'lore', entryId: 'aroha', title: 'Aroha', change: 'left' });
    // The last entry leaving: the re-read starts where it was, not in the story.
    const disabled = inspectContextWith(
      model,
      request(story, { lorebook: { ...lorebook, entries: [lighthouse, aroha, { ...law, enabled: false }] } }),
    );
    expect(disabled.rereadFrom).toEqual({ source: 'lore', entryId: 'law', title: 'Harbour law', change: 'left' });
    expect(disabled.reusedTokens).toBeLessThan(view.budget.memory + view.budget.lore);
    const cleared = inspectContextWith(model, request(story, { memory: '' }));
    expect(cleared.segments[0]!.source).toBe('lore');
    expect(cleared.rereadFrom).toEqual({ source: 'memory', change: 'removed' });
    expect(inspectContextWith(model, request(story, { memory: undefined })).rereadFrom).toEqual({ source: 'memory', change: 'removed' });
  });

  it('names the last entry when its key goes out of reach', async () => {
    const lamp = `${withoutKey(draft(400), 'Aroha')} The lamp.`;
    await run(model, request(lamp));
    // Aroha comes back after the others, so it is the last entry in the window.
    await run(model, request(`${lamp} Aroha rowed out.`));
    const titles = (v: ReturnType<typeof inspectContextWith>) => v.segments.filter((s) => s.source === 'lore').map((s) => s.title);
    expect(titles(inspectContextWith(model, request(`${lamp} Aroha rowed out.`)))).toEqual(['The lighthouse', 'Harbour law', 'Aroha']);
    const gone = inspectContextWith(model, request(`${lamp} The rain.`));
    expect(titles(gone)).toEqual(['The lighthouse', 'Harbour law']);
    expect(gone.rereadFrom).toEqual({ source: 'lore', entryId: 'aroha', title: 'Aroha', change: 'left' });

    // Scoring runs its own texts through the cache: the re-read then owes nothing to memory or lore, and no part is blamed.
    await model.decoder.setContext(model.encode('A text someone scored.'));
    expect(inspectContextWith(model, request(lamp, { memory: 'Spring.\n' })).rereadFrom).toBeNull();
  });

  it('lists what is left out and why', async () => {
    const big = newLoreEntry('big', { title: 'Big', text: 'harbour '.repeat(300), keys: ['Aroha'], priority: -1 });
    const view = inspectContextWith(
      model,
      request(`${draft(900)} Aroha.`, { lorebook: { ...lorebook, entries: [...lorebook.entries, big] } }),
    );
    expect(view.leftOut).toContainEqual({
      source: 'lore',
      entryId: 'big',
      title: 'Big',
      reason: 'over-budget',
      tokens: expect.any(Number),
    });
    const story = view.leftOut.find((l) => l.source === 'story')!;
    expect(story.reason).toBe('before-window');
    expect(story.tokens + (story.chars ?? 0)).toBeGreaterThan(0);
    expect(view.promptTokens).toBeLessThanOrEqual(view.contextWindow - 128);
  });

  it('reads the lore activation without changing it; only a request that runs keeps it', async () => {
    const engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    const entries = (v: Awaited<ReturnType<LocalEngine['inspectContext']>>) =>
      v.segments.filter((s) => s.source === 'lore').map((s) => s.entryId);
    try {
      const near = `${draft(60)} the lamp`;
      // 230 characters on, the key is past its 200-character scan depth but within the 400 that keep it on.
      const later = `${near} ${'and the rain went on '.repeat(11)}`;
      const req = (context: string): PrefillRequest => ({
        memory,
        lorebook: { ...lorebook, entries: [lighthouse, law] },
        context,
        maxTokens: 4,
      });
      expect(entries(await engine.inspectContext(req(later)))).toEqual(['law']);
      expect(entries(await engine.inspectContext(req(near)))).toEqual(['lighthouse', 'law']);
      // Inspecting `near` did not turn the entry on: `later` still shows it off.
      expect(entries(await engine.inspectContext(req(later)))).toEqual(['law']);
      // A suggestion for `near` runs: from now on the entry stays on while the key recedes (hysteresis).
      for await (const _ of engine.generate({ ...req(near), candidates: 1, sampler: { ...DEFAULT_SAMPLER, greedy: true } })) void _;
      expect(entries(await engine.inspectContext(req(later)))).toEqual(['lighthouse', 'law']);
    } finally {
      await engine.close();
    }
  });
});

describe('a model with a start marker', () => {
  it('shows the marker as its own part, before memory and lore', async () => {
    const model = await loadModel({
      modelDir: await testModel('tiny-chinese-seed5', { seed: 5, tokenizer: 'bert-chinese' }),
      devices: ['cpu'],
    });
    try {
      const book: Lorebook = { budget: 128, entries: [newLoreEntry('dai', { title: '黛玉', text: '林黛玉体弱多病。', keys: ['黛玉'] })] };
      const view = inspectContextWith(model, { lorebook: book, context: '宝玉见了林黛玉，笑道：“这个妹妹我曾见过的。”', maxTokens: 4 });
      expect(view.segments.map((s) => s.source)).toEqual(['start', 'lore', 'story']);
      expect(view.segments[0]!.tokenIds).toEqual([model.tokenizer.startTokenId]);
      expect(view.budget.start).toBe(1);
      expect(view.segments[1]!.title).toBe('黛玉');
    } finally {
      await model.release();
    }
  });
});

describe('typing past the window with lore and a note', () => {
  it('the background slide prepares the window the request after a slide runs on', async () => {
    const engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    // Aroha recurs in the prose often enough to stay on; the note sits 8 tokens back, so it moves with every word.
    const steady = { ...lorebook, entries: [aroha, law] };
    const tokensNote = { ...note, unit: 'tokens' as const, depth: 8 };
    try {
      const rows: { prompt: number; reused: number; lore: number }[] = [];
      for (let words = 700; words < 1200; words += 8) {
        const req = request(draft(words), { lorebook: steady, note: tokensNote });
        const lore = (await engine.inspectContext(req)).budget.lore;
        for await (const e of engine.generate(req))
          if (e.type === 'stats') rows.push({ prompt: e.promptTokens, reused: e.reusedTokens, lore });
        await engine.idle();
      }
      expect(new Set(rows.map((r) => r.lore)).size).toBe(1);
      const slides = rows.filter((r, i) => i > 0 && r.prompt < rows[i - 1]!.prompt);
      expect(slides.length).toBeGreaterThanOrEqual(2);
      // After the cold first request, each one reads only the words typed since (8 words) and the note with the 8
      // tokens after it, slides included.
      for (const r of rows.slice(1)) expect(r.prompt - r.reused).toBeLessThan(40);
    } finally {
      await engine.close();
    }
  });

  it('predicts the slid window with its memory, lore and note', async () => {
    const model = await loadModel({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
    try {
      const req = { memory, lorebook: { ...lorebook, entries: [law] }, note, context: draft(900), maxTokens: 4 };
      const next = nextWindow(model, req);
      expect(next).not.toBeNull();
      const view = inspectContextWith(model, req);
      // The prediction starts with the same memory and lore: only the story moves.
      const fixed = view.budget.memory + view.budget.lore;
      expect(next!.prefix.slice(0, fixed)).toEqual(view.segments.flatMap((s) => [...s.tokenIds]).slice(0, fixed));
      expect(next!.prefix.length).toBeGreaterThan(fixed + 64);
    } finally {
      await model.release();
    }
  });
});
