/**
 * Series (issue 11): drafts that share one lorebook, kept in the library's `.series/<sha256 of the name>.json`.
 * The draft's own lorebook stays in draft.json, so leaving gives it back; note and memory stay per draft.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftLibrary, exportDraft, type DraftLibraryOptions } from '../../../electron/drafts/index.js';
import {
  DEFAULT_NOTE,
  EMPTY_LOREBOOK,
  newLoreEntry,
  SERIES_LIMITS,
  seriesNameSchema,
  type Lorebook,
} from '../../../electron/common/lore.js';
import { sha256 } from '../../../electron/disk/sha256.js';
import { checkSeriesName, SERIES_DIR } from '../../../electron/drafts/series.js';
import { parseClientMessage } from '../../../electron/shared/validators.js';
import type { DraftPush } from '../../../electron/shared/drafts-api.js';
import { importLorebook } from '../../../electron/common/lore-formats.js';
import { DraftsService } from '../../../electron/services/drafts-service.js';
import { draftsHandlers } from '../../../electron/services/calls/drafts-handlers.js';
import { faultyFs, FakeClock, tempDir, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let libs: { shutdown(): Promise<unknown> }[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir('kaituhi-series-')));
afterEach(async () => {
  for (const l of libs) await l.shutdown().catch(() => undefined);
  libs = [];
  await cleanup();
});

function make(extra: Partial<DraftLibraryOptions> = {}): DraftLibrary {
  const lib = new DraftLibrary({ root: join(dir, 'Library'), stateDir: join(dir, 'state'), clock: new FakeClock(), watch: null, ...extra });
  libs.push(lib);
  return lib;
}

const own: Lorebook = {
  budget: 100,
  entries: [newLoreEntry('own', { title: 'Own', text: 'Only chapter one knows this.', keys: ['own'] })],
};
const shared: Lorebook = {
  budget: 300,
  entries: [newLoreEntry('mere', { title: 'Mere', text: 'Mere keeps the lighthouse. SERIES-LORE-TEXT', keys: ['Mere'] })],
};
const seriesFile = (name: string): string => join(dir, 'Library', SERIES_DIR, `${sha256(name)}.json`);
const draftJson = async (id: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(dir, 'Library', id, 'draft.json'), 'utf8')) as Record<string, unknown>;

async function twoChapters(lib: DraftLibrary): Promise<[string, string]> {
  await lib.boot();
  const one = (await lib.catalog.create('Chapter one', 'Mere climbed the stairs.')).id;
  const two = (await lib.catalog.create('Chapter two', 'The lamp went out.')).id;
  await lib.buffers.open(one);
  await lib.buffers.open(two);
  return [one, two];
}

describe('a series', () => {
  it('gives its drafts one lorebook: an entry added through one draft is the other’s, after a restart too', async () => {
    const lib = make();
    const [one, two] = await twoChapters(lib);
    await lib.buffers.setLorebook(one, own);
    // A new series starts from the lorebook the first draft uses; the second draft then uses that one.
    expect(await lib.buffers.setSeries(one, '  The Lighthouse  ')).toMatchObject({ series: 'The Lighthouse', lorebook: own });
    expect(await lib.buffers.setSeries(two, 'The Lighthouse')).toMatchObject({ series: 'The Lighthouse', lorebook: own });

    const events: unknown[] = [];
    lib.onEvent((e) => events.push(e));
    await lib.buffers.setLorebook(one, shared);
    expect((await lib.buffers.open(two)).lorebook).toEqual(shared);
    // Windows showing another draft of the series are told at once.
    expect(events).toContainEqual({ type: 'series-lorebook', id: one, series: 'The Lighthouse', lorebook: shared });
    const file = JSON.parse(await readFile(seriesFile('The Lighthouse'), 'utf8')) as unknown;
    expect(file).toEqual({ version: 1, name: 'The Lighthouse', lorebook: shared });
    expect((await stat(seriesFile('The Lighthouse'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'Library', SERIES_DIR))).mode & 0o777).toBe(0o700);

    // Note and memory stay each draft's own; draft.json keeps the draft's own lorebook and names the series.
    lib.buffers.setNote(one, { ...DEFAULT_NOTE, text: 'Cold.' });
    lib.buffers.setMemory(two, 'Chapter two memory');
    expect(await lib.buffers.open(two)).toMatchObject({ note: DEFAULT_NOTE, memory: 'Chapter two memory' });
    await lib.buffers.save(one);
    await lib.buffers.save(two);
    expect(await draftJson(one)).toMatchObject({ series: 'The Lighthouse', lorebook: own });
    expect(await draftJson(two)).toMatchObject({ series: 'The Lighthouse', lorebook: EMPTY_LOREBOOK });
    expect(await lib.buffers.listSeries()).toEqual([{ name: 'The Lighthouse', drafts: 2 }]);

    await lib.shutdown();
    const again = make();
    await again.boot();
    expect(await again.buffers.open(two)).toMatchObject({ series: 'The Lighthouse', lorebook: shared });
    expect(await again.buffers.listSeries()).toEqual([{ name: 'The Lighthouse', drafts: 2 }]);
  });

  it('joining a series that exists takes its lorebook and keeps the draft’s own for when it leaves', async () => {
    const lib = make();
    const [one, two] = await twoChapters(lib);
    await lib.buffers.setSeries(one, 'Saga');
    await lib.buffers.setLorebook(one, shared);
    await lib.buffers.setLorebook(two, own);
    expect((await lib.buffers.setSeries(two, 'Saga')).lorebook).toEqual(shared);
    expect(lib.buffers.buffer(two).meta.lorebook).toEqual(own);

    // Leaving gives back the draft's own lorebook, untouched by what the series did meanwhile.
    const left = await lib.buffers.setSeries(two, null);
    expect(left).toMatchObject({ series: null, lorebook: own });
    expect(await lib.buffers.listSeries()).toEqual([{ name: 'Saga', drafts: 1 }]);
    // An edit now stays with the draft; the series file does not change.
    await lib.buffers.setLorebook(two, EMPTY_LOREBOOK);
    expect((await lib.buffers.open(one)).lorebook).toEqual(shared);

    // Leaving with a copy: the series' lorebook becomes the draft's own.
    const copied = await lib.buffers.setSeries(one, null, { copyLorebook: true });
    expect(copied).toMatchObject({ series: null, lorebook: shared });
    await lib.buffers.save(one);
    expect(await draftJson(one)).toMatchObject({ series: null, lorebook: shared });
    // The series file stays for the drafts that may join it again.
    expect(JSON.parse(await readFile(seriesFile('Saga'), 'utf8'))).toMatchObject({ name: 'Saga', lorebook: shared });
  });

  it('refuses empty and over-long names, and hashes every other name into the series folder', async () => {
    const lib = make();
    const [one] = await twoChapters(lib);
    for (const bad of ['', '   ', 'x'.repeat(10_000), 'y'.repeat(SERIES_LIMITS.nameChars + 1)]) {
      await expect(lib.buffers.setSeries(one, bad)).rejects.toMatchObject({ code: 'invalid-input' });
      expect(seriesNameSchema.safeParse(bad).success).toBe(false);
      expect(parseClientMessage({ type: 'call', id: 1, call: { method: 'setDraftSeries', id: one, series: bad } })).toMatchObject({
        ok: false,
      });
    }
    expect(() => checkSeriesName(42)).toThrow(/not a series name/);
    const hostile = ['../../escape', '..', 'a/b\\c', '/etc/passwd', 'C:\\Windows', '.series', 'nul', 'x'.repeat(SERIES_LIMITS.nameChars)];
    for (const name of hostile) await lib.buffers.setSeries(one, name);
    const files = await readdir(join(dir, 'Library', SERIES_DIR));
    expect(files.sort()).toEqual(hostile.map((n) => `${sha256(n)}.json`).sort());
    const library = await readdir(join(dir, 'Library'));
    expect(library).toHaveLength(3);
    expect(library).toEqual(expect.arrayContaining([SERIES_DIR, one]));
    expect(await readdir(dir)).toEqual(['Library', 'state']);
    expect((await lib.buffers.listSeries()).map((s) => s.name).sort()).toEqual([...hostile].sort());
  });

  it('reads a draft.json written before series existed as in none', async () => {
    const lib = make();
    const [one] = await twoChapters(lib);
    await lib.buffers.setLorebook(one, own);
    await lib.buffers.close(one);
    const old = await draftJson(one);
    delete old.series;
    await writeFile(join(dir, 'Library', one, 'draft.json'), JSON.stringify(old));
    expect(await lib.buffers.open(one)).toMatchObject({ series: null, lorebook: own, problems: [] });
  });

  it('a draft recovered from the journal after a crash still uses its series’ lorebook', async () => {
    const clock = new FakeClock();
    const lib = make({ clock, autosaveDelayMs: 60_000, journalDelayMs: 10 });
    const [one, two] = await twoChapters(lib);
    await lib.buffers.setSeries(one, 'Saga');
    await lib.buffers.setLorebook(one, shared);
    await lib.buffers.save(one);
    await lib.buffers.setSeries(two, 'Saga');
    await lib.buffers.save(two);
    lib.buffers.edit(two, { kind: 'text', text: 'The lamp went out. Unsaved.' });
    await clock.advance(300);
    await waitFor(async () => (await readdir(join(dir, 'state', 'journal')).catch(() => [])).some((n) => !n.startsWith('.')));
    libs = []; // a crash: no shutdown
    const after = make();
    const report = await after.boot();
    expect(report.recovered.map((r) => r.id)).toEqual([two]);
    expect(await after.buffers.open(two)).toMatchObject({ text: 'The lamp went out. Unsaved.', series: 'Saga', lorebook: shared });
  });

  it('a damaged series file never costs a draft its text: it opens, says why, and the file is not overwritten', async () => {
    const lib = make();
    const [one, two] = await twoChapters(lib);
    await lib.buffers.setLorebook(one, own);
    await lib.buffers.setSeries(one, 'Saga');
    await lib.buffers.setSeries(two, 'Saga');
    await lib.shutdown();
    await writeFile(seriesFile('Saga'), '{"version":1,"name":"Saga","lorebook":{"budg');

    const again = make();
    await again.boot();
    const opened = await again.buffers.open(two);
    expect(opened).toMatchObject({ text: 'The lamp went out.', series: 'Saga', lorebook: EMPTY_LOREBOOK });
    expect(opened.problems.join(' ')).toMatch(/lorebook of the series “Saga” could not be read.*not valid JSON.*texts are safe/);
    await expect(again.buffers.setLorebook(two, shared)).rejects.toThrow(/series “Saga” could not be read/);
    expect(await readFile(seriesFile('Saga'), 'utf8')).toBe('{"version":1,"name":"Saga","lorebook":{"budg');
    // The text still saves, and leaving the series gives the draft its own lorebook back.
    again.buffers.edit(two, { kind: 'text', text: 'The lamp went out. Again.' });
    await again.buffers.save(two);
    expect(await readFile(join(dir, 'Library', two, 'text.md'), 'utf8')).toBe('The lamp went out. Again.');
    await again.buffers.open(one);
    expect(await again.buffers.setSeries(one, null)).toMatchObject({ lorebook: own, series: null });

    // A file that names another series (copied by hand) is refused the same way.
    await writeFile(seriesFile('Saga'), JSON.stringify({ version: 1, name: 'Other', lorebook: shared }));
    const third = make();
    await again.shutdown();
    await third.boot();
    expect((await third.buffers.open(two)).problems.join(' ')).toMatch(/names another series, “Other”/);
  });

  it('writes the series file atomically: a failed write leaves the old lorebook on disk and in use', async () => {
    let failRename = false;
    const lib = make({ fs: faultyFs((op, path) => (failRename && op === 'rename' && path.includes(SERIES_DIR) ? 'ENOSPC' : undefined)) });
    const [one, two] = await twoChapters(lib);
    await lib.buffers.setSeries(one, 'Saga');
    await lib.buffers.setSeries(two, 'Saga');
    await lib.buffers.setLorebook(one, shared);
    failRename = true;
    await expect(lib.buffers.setLorebook(two, own)).rejects.toThrow(/disk is full/);
    failRename = false;
    expect(JSON.parse(await readFile(seriesFile('Saga'), 'utf8'))).toMatchObject({ lorebook: shared });
    expect((await lib.buffers.open(one)).lorebook).toEqual(shared);
    expect((await readdir(join(dir, 'Library', SERIES_DIR))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a duplicate stays in the series, trash leaves the series file alone, and no export holds its lorebook', async () => {
    const lib = make();
    const [one] = await twoChapters(lib);
    await lib.buffers.setSeries(one, 'Saga');
    await lib.buffers.setLorebook(one, shared);
    const copy = await lib.catalog.duplicate(one);
    expect(await lib.buffers.open(copy.id)).toMatchObject({ series: 'Saga', lorebook: shared });
    expect(await lib.buffers.listSeries()).toEqual([{ name: 'Saga', drafts: 2 }]);
    const before = await readFile(seriesFile('Saga'), 'utf8');
    await lib.trash.trash(one);
    expect(await readFile(seriesFile('Saga'), 'utf8')).toBe(before);
    expect(await lib.buffers.listSeries()).toEqual([{ name: 'Saga', drafts: 1 }]);
    const source = await lib.buffers.exportSource(copy.id);
    for (const format of ['md', 'txt', 'html'] as const) {
      const made = await exportDraft(format, source, { chapterBreaks: false, modelSpans: 'keep' });
      expect(Buffer.from(made.bytes).toString('utf8')).not.toContain('SERIES-LORE-TEXT');
    }
  });
});

describe('a series and snapshots', () => {
  it('a snapshot keeps the series’ lorebook as it was; restoring puts it back for every draft of the series, and can be undone', async () => {
    const lib = make();
    const [one, two] = await twoChapters(lib);
    await lib.buffers.setLorebook(one, own);
    await lib.buffers.setSeries(one, 'The Lighthouse');
    await lib.buffers.setSeries(two, 'The Lighthouse');
    await lib.buffers.setLorebook(one, shared);
    const snap = await lib.versions.snapshot(one, 'With Mere');

    // An entry deleted through the other chapter: the whole series loses it.
    const without: Lorebook = { ...shared, entries: [] };
    await lib.buffers.setLorebook(two, without);
    expect((await lib.buffers.open(one)).lorebook).toEqual(without);

    const events: unknown[] = [];
    lib.onEvent((e) => events.push(e));
    expect((await lib.versions.restore(one, snap.id)).lorebook).toEqual(shared);
    expect((await lib.buffers.open(two)).lorebook).toEqual(shared);
    expect(JSON.parse(await readFile(seriesFile('The Lighthouse'), 'utf8'))).toMatchObject({ lorebook: shared });
    expect(events).toContainEqual({ type: 'series-lorebook', id: one, series: 'The Lighthouse', lorebook: shared });
    // The draft's own lorebook, kept for when it leaves, is not what the snapshot held, and stays as it was.
    expect((await draftJson(one)).lorebook).toEqual(own);

    // The restore is undone by the snapshot taken before it, lorebook included.
    const before = (await lib.versions.list(one)).find((s) => s.reason === 'before-restore')!;
    expect((await lib.versions.restore(one, before.id)).lorebook).toEqual(without);
    expect((await lib.buffers.open(two)).lorebook).toEqual(without);
  });
});

describe('a series through the drafts calls', () => {
  it('joins, edits, lists, pushes the change to every window, and exports the lorebook the draft uses', async () => {
    const service = new DraftsService({ userDataDir: dir, library: { autosaveDelayMs: 60_000, journalDelayMs: 10, watch: null } });
    libs.push(service);
    await service.boot();
    const signal = new AbortController().signal;
    const pushes: DraftPush[] = [];
    service.onEvent((e) => pushes.push(e));
    const one = (await service.library.catalog.create('One', 'text')).id;
    const two = (await service.library.catalog.create('Two', 'text')).id;
    await service.open(one);
    await service.open(two);
    expect(await draftsHandlers.setDraftSeries(service, { id: one, series: 'Saga' }, signal)).toMatchObject({ series: 'Saga' });
    await draftsHandlers.setDraftSeries(service, { id: two, series: 'Saga', copyLorebook: false }, signal);
    expect(await draftsHandlers.setDraftLorebook(service, { id: one, lorebook: shared }, signal)).toBeNull();
    expect(pushes).toContainEqual({ kind: 'series-lorebook', id: one, series: 'Saga', lorebook: shared });
    expect(await draftsHandlers.listSeries(service, {}, signal)).toEqual([{ name: 'Saga', drafts: 2 }]);
    const result = await service.exportLorebook(two, 'kaituhi');
    const text = Buffer.from(result.kind === 'download' ? result.base64 : '', 'base64').toString('utf8');
    expect(importLorebook(text, () => 'unused').lorebook).toEqual(shared);
    expect(await draftsHandlers.setDraftSeries(service, { id: two, series: null, copyLorebook: true }, signal)).toMatchObject({
      series: null,
      lorebook: shared,
    });
  });
});
