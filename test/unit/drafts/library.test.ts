import { chmod, lstat, mkdir, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftLibrary, type DraftEvent, type DraftLibraryOptions } from '../../../electron/drafts/index.js';
import { journalFileName } from '../../../electron/drafts/journal.js';
import { draftIdProblem, MAX_TITLE_CHARS } from '../../../electron/common/drafts.js';
import { DraftError } from '../../../electron/drafts/errors.js';
import { FakeClock, faultyFs, tempDir, waitFor, whole, type FsOp } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let libs: DraftLibrary[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  for (const l of libs) await l.shutdown().catch(() => undefined);
  libs = [];
  await cleanup();
});

function make(extra: Partial<DraftLibraryOptions> = {}): { lib: DraftLibrary; clock: FakeClock; events: DraftEvent[] } {
  const clock = extra.clock instanceof FakeClock ? extra.clock : new FakeClock();
  const lib = new DraftLibrary({ root: join(dir, 'Library'), stateDir: join(dir, 'state'), clock, watch: null, ...extra });
  const events: DraftEvent[] = [];
  lib.onEvent((e) => events.push(e));
  libs.push(lib);
  return { lib, clock, events };
}

const textOf = (id: string): Promise<string> => readFile(join(dir, 'Library', id, 'text.md'), 'utf8');
// Finished entries only: a temp file means a journal write is still under way.
const journalFiles = async (): Promise<string[]> =>
  (await readdir(join(dir, 'state', 'journal')).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));

describe('DraftLibrary: the library', () => {
  it('creates, lists, renames, duplicates, searches, trashes and restores drafts', async () => {
    const { lib } = make();
    await lib.boot();
    const a = await lib.catalog.create('Café at Midnight', 'It was late.');
    const b = await lib.catalog.create('The Long Road');
    expect(a.id).toMatch(/^Café-at-Midnight-[0-9a-f]{6}$/);
    expect((await lib.catalog.list()).map((d) => d.title).sort()).toEqual(['Café at Midnight', 'The Long Road']);
    expect((await lib.catalog.search('cafe')).map((d) => d.id)).toEqual([a.id]);
    expect((await lib.catalog.search('ROAD')).map((d) => d.id)).toEqual([b.id]);

    const renamed = await lib.catalog.rename(b.id, 'The Short Road');
    expect(renamed.title).toBe('The Short Road');
    expect(JSON.parse(await readFile(join(dir, 'Library', b.id, 'draft.json'), 'utf8')).title).toBe('The Short Road');

    const copy = await lib.catalog.duplicate(a.id);
    expect(copy.title).toBe('Café at Midnight (copy)');
    expect(await textOf(copy.id)).toBe('It was late.');
    // Library operations do not leave drafts open behind the writer's back.
    expect((await lib.catalog.list()).filter((d) => d.open)).toEqual([]);

    const trashed = await lib.trash.trash(a.id);
    expect((await lib.catalog.list()).map((d) => d.id)).not.toContain(a.id);
    expect((await lib.trash.list()).map((t) => t.title)).toEqual(['Café at Midnight']);
    const restored = await lib.trash.restore(trashed.trashId);
    expect(restored.id).toBe(a.id);
    expect(await textOf(a.id)).toBe('It was late.');
    expect(await lib.trash.list()).toEqual([]);

    const t2 = await lib.trash.trash(copy.id);
    await lib.trash.deleteForever(t2.trashId);
    expect(await lib.trash.list()).toEqual([]);
  });

  it('rejects ids that are not a plain folder name', async () => {
    const { lib } = make();
    await lib.boot();
    for (const bad of ['../../etc', '.trash', 'a/b', '', '..']) {
      await expect(lib.buffers.open(bad)).rejects.toMatchObject({ code: 'invalid-id' });
    }
  });

  it('reopens the last draft at its cursor after a restart', async () => {
    const { lib } = make();
    await lib.boot();
    const d = await lib.catalog.create('Story');
    await lib.buffers.open(d.id);
    lib.buffers.edit(d.id, whole('Hello world'));
    lib.buffers.setCursor(d.id, { offset: 5 });
    await lib.shutdown();
    const { lib: again } = make();
    const report = await again.boot();
    expect(report.lastOpened).toEqual({ id: d.id, cursor: { offset: 5 } });
    expect((await again.buffers.open(d.id)).cursor).toEqual({ offset: 5 });
  });

  it('keeps a draft’s own suggestion mode in draft.json, through a restart and a duplicate; a draft without one follows Settings', async () => {
    const { lib } = make();
    await lib.boot();
    const d = await lib.catalog.create('Story', 'Drafting in silence.');
    const other = await lib.catalog.create('Other');
    expect((await lib.buffers.open(d.id)).suggestionMode).toBeNull();
    lib.buffers.setSuggestionMode(d.id, 'manual');
    await lib.buffers.save(d.id);
    expect(JSON.parse(await readFile(join(dir, 'Library', d.id, 'draft.json'), 'utf8')).suggestionMode).toBe('manual');
    const copy = await lib.catalog.duplicate(d.id);
    await lib.shutdown();

    const { lib: again } = make();
    await again.boot();
    expect((await again.buffers.open(d.id)).suggestionMode).toBe('manual');
    expect((await again.buffers.open(copy.id)).suggestionMode).toBe('manual');
    expect((await again.buffers.open(other.id)).suggestionMode).toBeNull();
    again.buffers.setSuggestionMode(d.id, null);
    await again.buffers.save(d.id);
    expect(JSON.parse(await readFile(join(dir, 'Library', d.id, 'draft.json'), 'utf8')).suggestionMode).toBeNull();
  });

  it('reads a draft.json with a bad suggestion mode as following Settings, and says so', async () => {
    const { lib } = make();
    await lib.boot();
    const d = await lib.catalog.create('Story', 'text');
    const file = join(dir, 'Library', d.id, 'draft.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), suggestionMode: 'sometimes' }));
    const opened = await lib.buffers.open(d.id);
    expect(opened.suggestionMode).toBeNull();
    expect(opened.text).toBe('text');
    expect(opened.problems.join(' ')).toContain('suggestionMode');
  });

  it('counts words written today against the daily goal', async () => {
    const clock = new FakeClock(new Date(2025, 4, 1, 9, 0).getTime());
    const { lib } = make({ clock });
    await lib.boot();
    const d = await lib.catalog.create('Story', 'one two three');
    await lib.buffers.open(d.id);
    await lib.words.setDailyGoal(500);
    await clock.advance(24 * 3600_000);
    lib.buffers.edit(d.id, whole('one two three four five 六七'));
    await lib.buffers.save(d.id);
    expect(await lib.words.stats(d.id)).toEqual({ words: 7, today: 4, dailyGoal: 500 });
    expect(await lib.words.stats()).toEqual({ words: 7, today: 4, dailyGoal: 500 });
    const meta = JSON.parse(await readFile(join(dir, 'Library', d.id, 'draft.json'), 'utf8'));
    expect(Object.values(meta.wordHistory)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 7 },
    ]);
  });
});

describe('DraftLibrary: names and permissions', () => {
  const characters = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const charactersIn = (text: string): number => [...characters.segment(text)].length;
  // One character each, as the writer sees them: 1, 1, 3 and 8 UTF-16 code units.
  for (const [script, unit] of [
    ['Chinese', '雨'],
    ['Cyrillic', 'Ж'],
    ['emoji', '🌧️'],
    ['family emoji', '👨‍👩‍👧'],
  ] as const) {
    const title = unit.repeat(200);
    // The limit counts code units: what fits in it is kept, cut between two whole characters.
    const kept = unit.repeat(Math.min(200, Math.floor(MAX_TITLE_CHARS / unit.length)));
    it(`a 200-character ${script} title (${title.length} code units): the draft is created with ${charactersIn(kept)} of them, journaled, recovered after a crash and trashed`, async () => {
      expect(charactersIn(title)).toBe(200);
      const { lib, clock, events } = make();
      await lib.boot();
      const { id, title: created } = await lib.catalog.create(title);
      expect(created).toBe(kept);
      expect((await readdir(join(dir, 'Library'))).includes(id)).toBe(true);
      await lib.buffers.open(id);
      lib.buffers.edit(id, whole(`${script}: unsaved words`));
      await clock.advance(300);
      await waitFor(async () => (await journalFiles()).length === 1);
      expect(events.filter((e) => e.type === 'journal-failed')).toEqual([]);
      expect(await journalFiles()).toEqual([journalFileName(id)]);
      libs = [];
      const { lib: after } = make();
      const report = await after.boot();
      expect(report.recovered.map((r) => [r.id, r.title])).toEqual([[id, kept]]);
      await after.buffers.save(id);
      expect(await textOf(id)).toBe(`${script}: unsaved words`);
      await after.trash.trash(id);
      expect((await after.trash.list()).map((t) => t.id)).toEqual([id]);
    });
  }

  it('a rename past the limit keeps every character whole: no half emoji is left at the cut', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story');
    // A cut at MAX_TITLE_CHARS code units would fall between the two halves of the 250th fox.
    const renamed = await lib.catalog.rename(id, `a${'🦊'.repeat(250)}`);
    expect(renamed.title).toBe(`a${'🦊'.repeat(249)}`);
    expect(renamed.title.length).toBe(MAX_TITLE_CHARS - 1);
  });

  it('clears a journal entry that an older version named by the encoded id', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'saved');
    await lib.shutdown();
    await mkdir(join(dir, 'state', 'journal'), { recursive: true });
    const entry = {
      version: 1,
      id,
      title: 'Story',
      text: 'unsaved',
      memory: '',
      baseHash: null,
      modelSpans: [],
      written: new Date().toISOString(),
    };
    await writeFile(join(dir, 'state', 'journal', `${encodeURIComponent(id)}.json`), JSON.stringify(entry));
    const { lib: after } = make();
    expect((await after.boot()).recovered.map((r) => r.id)).toEqual([id]);
    await after.buffers.save(id);
    expect(await textOf(id)).toBe('unsaved');
    expect(await journalFiles()).toEqual([]);
  });

  it('keeps drafts private: new folders 0700, new files 0600 (text, metadata, snapshots)', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Private', 'mine');
    await lib.buffers.open(id);
    await lib.versions.snapshot(id, 'First');
    const mode = async (...path: string[]): Promise<number> => (await stat(join(dir, 'Library', ...path))).mode & 0o777;
    expect(await mode()).toBe(0o700);
    expect(await mode(id)).toBe(0o700);
    expect(await mode(id, 'text.md')).toBe(0o600);
    expect(await mode(id, 'draft.json')).toBe(0o600);
    expect(await mode(id, 'snapshots')).toBe(0o700);
    for (const name of await readdir(join(dir, 'Library', id, 'snapshots'))) expect(await mode(id, 'snapshots', name)).toBe(0o600);
    await lib.trash.trash(id);
    expect(await mode('.trash')).toBe(0o700);
  });

  it('refuses ids that would not be portable, and never makes one from a title', async () => {
    const { lib } = make();
    await lib.boot();
    for (const bad of [
      'CON',
      'nul',
      'Aux.txt',
      'com1',
      'LPT9.md',
      'draft.',
      'draft ',
      'a:b',
      'a?',
      'a*b',
      'a<b>',
      'a|b',
      'a"b',
      'tab\there',
    ]) {
      await expect(lib.buffers.open(bad), bad).rejects.toMatchObject({ code: 'invalid-id' });
    }
    for (const title of ['CON', 'Con. A story', 'nul', 'a:b?', '...', 'Ends with a dot.', 'COM1.txt']) {
      const { id } = await lib.catalog.create(title);
      expect(draftIdProblem(id), `${title} → ${id}`).toBeNull();
    }
    // A folder made by hand under a name Windows refuses is not offered as a draft.
    await mkdir(join(dir, 'Library', 'nul.txt'));
    await writeFile(join(dir, 'Library', 'nul.txt', 'text.md'), 'x');
    expect((await lib.catalog.list()).map((d) => d.id)).not.toContain('nul.txt');
  });
});

describe('DraftLibrary: saving', () => {
  it('autosaves 1 s after the last edit and clears the journal', async () => {
    const { lib, clock, events } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story');
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('First words.'));
    await clock.advance(300);
    await waitFor(async () => (await journalFiles()).length === 1);
    expect(await textOf(id)).toBe('');
    await clock.advance(1000);
    await waitFor(() => !lib.buffers.buffer(id).dirty);
    expect(await textOf(id)).toBe('First words.');
    expect(await journalFiles()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['saved']);
    // The push carries the list line, so the sidebar need not list the library again.
    expect(events[0]).toEqual({ type: 'saved', id, summary: await lib.catalog.summary(id) });
    expect(events[0]).toMatchObject({ summary: { title: 'Story', words: 2, open: true, dirty: false } });
  });

  it('recovers unsaved text from the journal after a crash, and tells the writer', async () => {
    const { lib, clock } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'saved text');
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('saved text and unsaved words'), { modelSpans: [{ start: 11, end: 28 }] });
    lib.buffers.setMemory(id, 'The heroine is left-handed.');
    await clock.advance(300);
    await waitFor(async () => (await journalFiles()).length === 1);
    // Crash: this instance is simply abandoned, never shut down.
    libs = [];
    const { lib: after } = make();
    const report = await after.boot();
    expect(report.recovered).toEqual([{ id, title: 'Story', words: 5, folderRecreated: false, conflict: false }]);
    const draft = await after.buffers.open(id);
    expect(draft).toMatchObject({
      text: 'saved text and unsaved words',
      recovered: true,
      dirty: true,
      memory: 'The heroine is left-handed.',
      modelSpans: [{ start: 11, end: 28 }],
    });
    await after.buffers.save(id);
    expect(await textOf(id)).toBe('saved text and unsaved words');
    expect(await journalFiles()).toEqual([]);
  });

  it('drops journal entries that turned out to be saved', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'same');
    await lib.buffers.open(id);
    // A journal entry equal to the disk (a crash between save and journal removal).
    await mkdir(join(dir, 'state', 'journal'), { recursive: true });
    await writeFile(
      join(dir, 'state', 'journal', journalFileName(id)),
      JSON.stringify({
        version: 1,
        id,
        title: 'Story',
        text: 'same',
        memory: '',
        baseHash: null,
        modelSpans: [],
        written: new Date().toISOString(),
      }),
    );
    expect(await journalFiles()).toHaveLength(1);
    const { lib: third } = make();
    const report = await third.boot();
    expect(report.recovered).toEqual([]);
    expect(await journalFiles()).toEqual([]);
  });

  for (const [code, expected] of [
    ['ENOSPC', 'disk-full'],
    ['EROFS', 'read-only'],
    ['EACCES', 'permission-denied'],
  ] as const) {
    it(`${code}: the save fails with a clear '${expected}' error; the text stays in memory and in the journal`, async () => {
      let fault: string | undefined;
      const fs = faultyFs((op: FsOp, path: string) =>
        fault && path.includes('Library') && (op === 'write' || op === 'open') ? fault : undefined,
      );
      const { lib, clock, events } = make({ fs });
      await lib.boot();
      const { id } = await lib.catalog.create('Story', 'old text');
      await lib.buffers.open(id);
      fault = code;
      lib.buffers.edit(id, whole('precious new text'));
      await clock.advance(1000);
      await waitFor(() => events.some((e) => e.type === 'save-failed'));
      const failed = events.find((e) => e.type === 'save-failed');
      expect(failed?.type === 'save-failed' && failed.error.code).toBe(expected);
      expect(failed?.type === 'save-failed' && failed.error.message).toMatch(/Your text is safe/);
      await expect(lib.buffers.save(id)).rejects.toBeInstanceOf(DraftError);
      expect(lib.buffers.buffer(id).dirty).toBe(true);
      expect((await lib.buffers.open(id)).text).toBe('precious new text');
      expect(await textOf(id)).toBe('old text');
      const journal = JSON.parse(await readFile(join(dir, 'state', 'journal', journalFileName(id)), 'utf8'));
      expect(journal.text).toBe('precious new text');
      expect((await readdir(join(dir, 'Library', id))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      // The disk recovers: the retry saves and the journal goes.
      fault = undefined;
      await lib.buffers.save(id);
      expect(await textOf(id)).toBe('precious new text');
      expect(await journalFiles()).toEqual([]);
    });
  }

  it('a text.md marked read-only is not replaced: a clear error, then a save once it is writable again', async () => {
    const { lib, events } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'locked text');
    await lib.buffers.open(id);
    const file = join(dir, 'Library', id, 'text.md');
    await chmod(file, 0o444);
    lib.buffers.edit(id, whole('new words'));
    await expect(lib.buffers.save(id)).rejects.toMatchObject({ code: 'read-only', message: expect.stringMatching(/marked read-only/) });
    expect(events.some((e) => e.type === 'save-failed' && e.error.code === 'read-only')).toBe(true);
    expect(await textOf(id)).toBe('locked text');
    expect(JSON.parse(await readFile(join(dir, 'state', 'journal', journalFileName(id)), 'utf8')).text).toBe('new words');
    await chmod(file, 0o644);
    await lib.buffers.save(id);
    expect(await textOf(id)).toBe('new words');
    expect(await journalFiles()).toEqual([]);
  });

  it('a symlinked text.md inside the library is saved through the link, which survives', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story');
    await mkdir(join(dir, 'Library', 'Shared'));
    const elsewhere = join(dir, 'Library', 'Shared', 'story.md');
    await writeFile(elsewhere, 'kept elsewhere');
    const link = join(dir, 'Library', id, 'text.md');
    await rm(link);
    await symlink(elsewhere, link);
    expect((await lib.buffers.open(id)).text).toBe('kept elsewhere');
    lib.buffers.edit(id, whole('kept elsewhere, edited'));
    await lib.buffers.save(id);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(elsewhere, 'utf8')).toBe('kept elsewhere, edited');
    expect(await lib.buffers.checkOutside(id)).toEqual({ kind: 'unchanged' });
  });

  it('a text.md that links outside the library is never written: a clear notice, the text kept in memory and the journal', async () => {
    const { lib, events } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story');
    const outside = join(dir, 'somebody-elses-file.txt');
    await writeFile(outside, 'not a draft');
    const link = join(dir, 'Library', id, 'text.md');
    await rm(link);
    await symlink(outside, link);
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('my words'));
    await expect(lib.buffers.save(id)).rejects.toMatchObject({
      code: 'outside-library',
      message: expect.stringMatching(/outside the library.*Your text is safe/),
    });
    expect(events.some((e) => e.type === 'save-failed' && e.error.code === 'outside-library')).toBe(true);
    expect(await readFile(outside, 'utf8')).toBe('not a draft');
    expect(lib.buffers.buffer(id).dirty).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'state', 'journal', journalFileName(id)), 'utf8')).text).toBe('my words');
    // Replacing the link with a real file lets the next save through.
    await rm(link);
    await lib.buffers.save(id);
    expect(await textOf(id)).toBe('my words');
  });

  it('folder deleted underneath: a clear error, text kept, and the folder can be recreated', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'old');
    await lib.buffers.open(id);
    await rm(join(dir, 'Library', id), { recursive: true });
    lib.buffers.edit(id, whole('still here'));
    const err = await lib.buffers.save(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DraftError);
    expect((err as DraftError).code).toBe('folder-missing');
    expect(JSON.parse(await readFile(join(dir, 'state', 'journal', journalFileName(id)), 'utf8')).text).toBe('still here');
    await lib.buffers.save(id, { recreateFolder: true });
    expect(await textOf(id)).toBe('still here');
  });

  it('keeps a damaged draft.json aside, opens the text, and says so', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'the text survives');
    await writeFile(join(dir, 'Library', id, 'draft.json'), '{"title": "Sto');
    const d = await lib.buffers.open(id);
    expect(d.text).toBe('the text survives');
    expect(d.problems[0]).toMatch(/draft\.json is not valid JSON/);
    lib.buffers.edit(id, whole('the text survives, edited'));
    await lib.buffers.save(id);
    const names = await readdir(join(dir, 'Library', id));
    expect(names.some((n) => n.startsWith('draft.json.corrupt-'))).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'Library', id, 'draft.json'), 'utf8')).title).toBe(id);
  });

  it('a folder made by hand with just a text.md is a draft', async () => {
    const { lib } = make();
    await lib.boot();
    await rm(join(dir, 'Library', 'Notes'), { recursive: true, force: true });
    await mkdir(join(dir, 'Library', 'Notes'));
    await writeFile(join(dir, 'Library', 'Notes', 'text.md'), 'hand made');
    expect((await lib.catalog.list()).map((d) => [d.title, d.words])).toEqual([['Notes', 2]]);
    expect((await lib.buffers.open('Notes')).text).toBe('hand made');
  });
});

describe('DraftLibrary: a 10 MB draft', () => {
  it('opens, autosaves and reopens whole (its times are measured by npm run bench:micro)', async () => {
    const { lib } = make();
    await lib.boot();
    const big = 'It was a dark and stormy night; 雨一直下。 The rain fell in torrents 🌧️.\n'.repeat(150_000);
    expect(Buffer.byteLength(big)).toBeGreaterThan(10_000_000);
    const { id } = await lib.catalog.create('Big', big);
    await lib.shutdown();
    const { lib: again } = make();
    await again.boot();
    const d = await again.buffers.open(id);
    again.buffers.edit(id, {
      kind: 'changes',
      changes: [{ offset: d.text.length, deleteCount: 0, text: 'One more line.\n' }],
      length: d.text.length + 15,
    });
    await again.buffers.save(id);
    expect(await textOf(id)).toBe(`${big}One more line.\n`);
  });
});

describe('DraftLibrary: outside changes', () => {
  it('never reloads over unsaved text: an outside edit while dirty is a conflict, and autosave does not overwrite it', async () => {
    const { lib, clock, events } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'original');
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('original plus my unsaved words'));
    await writeFile(join(dir, 'Library', id, 'text.md'), 'edited in another app');
    expect(await lib.buffers.checkOutside(id)).toEqual({ kind: 'conflict', diskText: 'edited in another app' });
    await clock.advance(5000);
    await expect(lib.buffers.save(id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(lib.buffers.close(id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await textOf(id)).toBe('edited in another app');
    expect((await lib.buffers.open(id)).text).toBe('original plus my unsaved words');
    expect(JSON.parse(await readFile(join(dir, 'state', 'journal', journalFileName(id)), 'utf8')).text).toBe(
      'original plus my unsaved words',
    );
    expect(events.filter((e) => e.type === 'conflict').length).toBe(1);

    const resolved = await lib.versions.resolveConflict(id, 'mine');
    expect(resolved.conflict).toBeNull();
    expect(await textOf(id)).toBe('original plus my unsaved words');
    const snaps = await lib.versions.list(id);
    expect(snaps.map((s) => s.reason)).toEqual(['outside-edit']);
    expect((await lib.versions.compare(id, snaps[0]!.id)).wordsAdded).toBeGreaterThan(0);
  });

  it('the save itself notices an outside edit the watcher missed', async () => {
    const { lib, events } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'original');
    await lib.buffers.open(id);
    await writeFile(join(dir, 'Library', id, 'text.md'), 'outside!');
    lib.buffers.edit(id, whole('mine'));
    await expect(lib.buffers.save(id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await textOf(id)).toBe('outside!');
    expect(events.map((e) => e.type)).toEqual(['conflict']);
    const d = await lib.versions.resolveConflict(id, 'theirs');
    expect(d.text).toBe('outside!');
    expect(lib.buffers.buffer(id).dirty).toBe(false);
    const snaps = await lib.versions.list(id);
    expect(snaps.map((s) => s.reason)).toEqual(['before-reload']);
  });

  it('reloads a clean buffer; duplicate watcher events and our own writes change nothing', async () => {
    let fire: () => void = () => undefined;
    const { lib, events } = make({ watch: (_dir, onChange) => ((fire = onChange), { close: () => undefined }) });
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'one');
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('two'));
    await lib.buffers.save(id);
    for (let i = 0; i < 5; i++) fire();
    // Our own write, with a timestamp that looks foreign: still recognised by its hash.
    await utimes(join(dir, 'Library', id, 'text.md'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    for (let i = 0; i < 5; i++) fire();
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => e.type)).toEqual(['saved']);

    await writeFile(join(dir, 'Library', id, 'text.md'), 'three, from outside');
    for (let i = 0; i < 5; i++) fire();
    await waitFor(() => events.some((e) => e.type === 'reloaded'));
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => e.type)).toEqual(['saved', 'reloaded']);
    expect((await lib.buffers.open(id)).text).toBe('three, from outside');
  });

  it('a watcher event that arrives in the middle of our own save is recognised as ours', async () => {
    const late: { lib?: DraftLibrary } = {};
    let midSave: Promise<unknown> = Promise.resolve();
    const fs = { ...faultyFs(() => undefined) };
    const rename = fs.rename;
    fs.rename = async (from, to) => {
      await rename(from, to);
      // The event lands after the rename but before atomicWrite has returned.
      if (id && late.lib && to.endsWith('text.md')) await (midSave = late.lib.buffers.checkOutside(id));
    };
    let id = '';
    const made = make({ fs });
    const lib = (late.lib = made.lib);
    await lib.boot();
    ({ id } = await lib.catalog.create('Story', 'one'));
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('two, being saved'));
    await lib.buffers.save(id);
    expect(await midSave).toEqual({ kind: 'unchanged' });
    expect(made.events.map((e) => e.type)).toEqual(['saved']);
    expect(lib.buffers.buffer(id).dirty).toBe(false);
  });

  it('the real file watcher picks up an outside edit', async () => {
    const { lib, events } = make({ watch: undefined });
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'before');
    await lib.buffers.open(id);
    await writeFile(join(dir, 'Library', id, 'text.md'), 'after');
    await waitFor(() => events.some((e) => e.type === 'reloaded'), 10_000);
    expect((await lib.buffers.open(id)).text).toBe('after');
  });
});

describe('DraftLibrary: snapshots', () => {
  it('takes, lists, compares and restores snapshots; a restore snapshots the current text first', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The cat sat.\n');
    await lib.buffers.open(id);
    const first = await lib.versions.snapshot(id, 'First draft');
    lib.buffers.edit(id, whole('The dog sat.\nAnd barked.\n'));
    const diff = await lib.versions.compare(id, first.id);
    expect(diff.chunks.filter((c) => c.kind !== 'same').map((c) => [c.kind, c.text.trim()])).toEqual([
      ['removed', 'cat'],
      ['added', 'dog'],
      ['added', 'And barked.'],
    ]);
    lib.buffers.edit(id, whole('THE DOG SAT.\nAND BARKED.\n'));
    const restored = await lib.versions.restore(id, first.id);
    expect(restored.text).toBe('The cat sat.\n');
    expect(await textOf(id)).toBe('The cat sat.\n');
    const list = await lib.versions.list(id);
    expect(list.map((s) => s.reason).sort()).toEqual(['before-restore', 'manual']);
    const before = list.find((s) => s.reason === 'before-restore')!;
    expect((await lib.versions.compare(id, before.id)).chunks.some((c) => c.kind === 'removed' && c.text.includes('DOG'))).toBe(true);
    await expect(lib.versions.compare(id, '../../../etc/passwd')).rejects.toMatchObject({ code: 'invalid-id' });
  });
});
