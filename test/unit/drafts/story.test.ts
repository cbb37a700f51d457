/**
 * A draft's author's note and lorebook: kept in draft.json, in the recovery journal and in snapshots (a restore
 * brings them back), copied with the draft, exported as a lorebook file on request, and never part of a draft export.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftLibrary, exportDraft, type DraftLibraryOptions, type ExportFormat } from '../../../electron/drafts/index.js';
import { DEFAULT_NOTE, EMPTY_LOREBOOK, newLoreEntry, type AuthorNote, type Lorebook } from '../../../electron/common/lore.js';
import { importLorebook } from '../../../electron/common/lore-formats.js';
import { DraftsService } from '../../../electron/services/drafts-service.js';
import { FakeClock, tempDir, waitFor, whole } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let libs: { shutdown(): Promise<unknown> }[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir('kaituhi-story-')));
afterEach(async () => {
  for (const l of libs) await l.shutdown().catch(() => undefined);
  libs = [];
  await cleanup();
});

function make(extra: Partial<DraftLibraryOptions> = {}): { lib: DraftLibrary; clock: FakeClock } {
  const clock = new FakeClock();
  const lib = new DraftLibrary({ root: join(dir, 'Library'), stateDir: join(dir, 'state'), clock, watch: null, ...extra });
  libs.push(lib);
  return { lib, clock };
}

const note: AuthorNote = { ...DEFAULT_NOTE, text: 'Keep it cold and quiet.', depth: 2 };
const lorebook: Lorebook = {
  budget: 200,
  entries: [
    newLoreEntry('mere', { title: 'Mere', text: 'Mere keeps the lighthouse. SECRET-LORE-TEXT', keys: ['Mere', '/lamp(s)?/i'] }),
    newLoreEntry('law', { title: 'Harbour law', text: 'No boat leaves after the bell.', alwaysOn: true, priority: 5 }),
  ],
};
const draftJson = async (id: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(dir, 'Library', id, 'draft.json'), 'utf8')) as Record<string, unknown>;

describe('a draft’s note and lorebook', () => {
  it('are saved in draft.json and come back after a restart; a new draft starts with the defaults', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Harbour', 'Mere climbed the stairs.');
    expect(await lib.buffers.open(id)).toMatchObject({ note: DEFAULT_NOTE, lorebook: EMPTY_LOREBOOK });
    lib.buffers.setNote(id, note);
    lib.buffers.setLorebook(id, lorebook);
    await lib.buffers.save(id);
    expect(await draftJson(id)).toMatchObject({ note, lorebook });
    await lib.shutdown();
    libs = [];
    const { lib: again } = make();
    await again.boot();
    expect(await again.buffers.open(id)).toMatchObject({ note, lorebook, text: 'Mere climbed the stairs.' });
  });

  it('a draft.json whose lorebook holds a key Kaituhi cannot run keeps the rest, and says so', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Harbour', 'text');
    const meta = await draftJson(id);
    const bad = { ...lorebook, entries: [{ ...lorebook.entries[0]!, keys: ['/(?=x)/'] }] };
    await writeFile(join(dir, 'Library', id, 'draft.json'), JSON.stringify({ ...meta, memory: 'kept', note, lorebook: bad }));
    const opened = await lib.buffers.open(id);
    expect(opened).toMatchObject({ memory: 'kept', note, lorebook: EMPTY_LOREBOOK });
    expect(opened.problems).toEqual(['draft.json field "lorebook" is invalid; using the default']);
  });

  it('come back from the recovery journal after a crash', async () => {
    const { lib, clock } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Harbour', 'saved');
    await lib.buffers.open(id);
    lib.buffers.setLorebook(id, lorebook);
    lib.buffers.setNote(id, note);
    await clock.advance(300);
    await waitFor(async () => (await readdir(join(dir, 'state', 'journal')).catch(() => [])).some((n) => !n.startsWith('.')));
    libs = [];
    const { lib: after } = make();
    const report = await after.boot();
    expect(report.recovered.map((r) => r.id)).toEqual([id]);
    expect(await after.buffers.open(id)).toMatchObject({ recovered: true, note, lorebook });
  });

  it('are kept by a snapshot and brought back by restoring it, which can be undone', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Harbour', 'first text');
    await lib.buffers.open(id);
    lib.buffers.setLorebook(id, lorebook);
    lib.buffers.setNote(id, note);
    lib.buffers.setMemory(id, 'first memory');
    const snap = await lib.versions.snapshot(id, 'Before the storm');
    lib.buffers.edit(id, whole('second text'));
    const changed = { ...lorebook, entries: [lorebook.entries[1]!] };
    lib.buffers.setLorebook(id, changed);
    lib.buffers.setNote(id, { ...note, text: 'Faster now.' });
    lib.buffers.setMemory(id, 'second memory');

    const restored = await lib.versions.restore(id, snap.id);
    expect(restored).toMatchObject({ text: 'first text', memory: 'first memory', note, lorebook });
    const undo = (await lib.versions.list(id)).find((s) => s.reason === 'before-restore')!;
    expect(await lib.versions.restore(id, undo.id)).toMatchObject({
      text: 'second text',
      memory: 'second memory',
      note: { ...note, text: 'Faster now.' },
      lorebook: changed,
    });
  });

  it('are copied with the draft', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Harbour', 'text');
    await lib.buffers.open(id);
    lib.buffers.setLorebook(id, lorebook);
    lib.buffers.setNote(id, note);
    const copy = await lib.catalog.duplicate(id);
    expect(await lib.buffers.open(copy.id)).toMatchObject({ note, lorebook });
  });

  it('never appear in a draft export, whatever the format', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Harbour', 'Mere climbed the stairs to the lamp.');
    await lib.buffers.open(id);
    lib.buffers.setLorebook(id, lorebook);
    lib.buffers.setNote(id, { ...note, text: 'SECRET-NOTE-TEXT' });
    lib.buffers.setMemory(id, 'SECRET-MEMORY-TEXT');
    const source = await lib.buffers.exportSource(id);
    const formats: ExportFormat[] = ['txt', 'md', 'html', 'docx', 'epub'];
    for (const format of formats) {
      const { bytes } = await exportDraft(format, source, { chapterBreaks: true, modelSpans: 'keep' });
      let content = Buffer.from(bytes).toString('utf8');
      if (format === 'docx' || format === 'epub') {
        const zip = await JSZip.loadAsync(bytes);
        content = (await Promise.all(Object.values(zip.files).map((f) => f.async('string')))).join('\n');
      }
      expect(content, format).toContain('Mere climbed the stairs');
      for (const secret of ['SECRET-LORE-TEXT', 'SECRET-NOTE-TEXT', 'SECRET-MEMORY-TEXT', 'Harbour law'])
        expect(content, format).not.toContain(secret);
    }
  });
});

describe('exporting a draft’s lorebook', () => {
  it('in server mode goes back as a download the other tool can read, and Kaituhi reads back unchanged', async () => {
    const service = new DraftsService({ userDataDir: dir, library: { autosaveDelayMs: 60_000, journalDelayMs: 10, watch: null } });
    libs.push(service);
    await service.boot();
    const { id } = await service.library.catalog.create('The Harbour', 'text');
    await service.open(id);
    service.library.buffers.setLorebook(id, lorebook);
    const result = await service.exportLorebook(id, 'novelai');
    expect(result).toMatchObject({ kind: 'download', fileName: 'The Harbour lore.lorebook', mimeType: 'application/json' });
    const text = Buffer.from(result.kind === 'download' ? result.base64 : '', 'base64').toString('utf8');
    expect(JSON.parse(text)).toMatchObject({ lorebookVersion: 5 });
    expect(importLorebook(text, () => 'unused').lorebook).toEqual(lorebook);
  });

  it('under Electron goes through the save dialog', async () => {
    const saved: { name: string; format: string; bytes: number }[] = [];
    const service = new DraftsService({
      userDataDir: dir,
      library: { watch: null },
      saveExport: async (name, format, bytes) => {
        saved.push({ name, format, bytes: bytes.byteLength });
        await mkdir(join(dir, 'out'), { recursive: true });
        await writeFile(join(dir, 'out', name), bytes);
        return join(dir, 'out', name);
      },
    });
    libs.push(service);
    await service.boot();
    const { id } = await service.library.catalog.create('Harbour', 'text');
    await service.open(id);
    service.library.buffers.setLorebook(id, lorebook);
    expect(await service.exportLorebook(id, 'sillytavern')).toEqual({ kind: 'saved', fileName: 'Harbour lore.json' });
    expect(saved).toEqual([{ name: 'Harbour lore.json', format: 'lorebook', bytes: expect.any(Number) }]);
    const back = importLorebook(await readFile(join(dir, 'out', 'Harbour lore.json'), 'utf8'), () => 'unused');
    expect(back).toMatchObject({ format: 'sillytavern', lorebook });
  });
});
