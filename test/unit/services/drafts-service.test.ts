/**
 * The drafts service as both transports call it: it boots the library (and never throws doing so),
 * follows the editor's small changes with a mirror of the text, turns library events into pushes,
 * remembers the chosen library, replays the journal after a crash, and routes validated calls.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultLibraryDir,
  DraftsService,
  safeFileStem,
  stateDirFor,
  type DraftsServiceOptions,
} from '../../../electron/services/drafts-service.js';
import { draftsHandlers } from '../../../electron/services/calls/drafts-handlers.js';
import type { ApiResults, DraftPush, DraftsCall, DraftsMethod } from '../../../electron/shared/api.js';
import { faultyFs, tempDir, waitFor } from '../drafts/helpers.js';
import { DEFAULT_NOTE, newLoreEntry } from '../../../electron/common/lore.js';

let dir: string;
let cleanup: () => Promise<void>;
let services: DraftsService[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir('kaituhi-drafts-service-')));
afterEach(async () => {
  for (const s of services) await s.shutdown().catch(() => undefined);
  services = [];
  await cleanup();
});

/** Long autosave by default: the tests decide when text reaches the disk. */
function make(extra: Partial<DraftsServiceOptions> = {}): { service: DraftsService; pushes: DraftPush[] } {
  const service = new DraftsService({ userDataDir: dir, library: { autosaveDelayMs: 60_000, journalDelayMs: 10, watch: null }, ...extra });
  const pushes: DraftPush[] = [];
  service.onEvent((event) => pushes.push(event));
  services.push(service);
  return { service, pushes };
}

/** A call as the session routes it, without the validator in front (the library must refuse bad ids itself). */
async function call<M extends DraftsMethod>(service: DraftsService, c: DraftsCall & { method: M }): Promise<ApiResults[M]> {
  const { method, ...args } = c;
  return (draftsHandlers[method] as (drafts: DraftsService, args: object) => Promise<ApiResults[M]>)(service, args);
}

describe('DraftsService', () => {
  it('boots the default library under user data, and says what it found', async () => {
    const { service } = make();
    expect(service.startup.problem).toMatch(/still starting/);
    expect(() => service.library).toThrow(/still starting/);
    const startup = await service.boot();
    expect(startup).toEqual({ libraryDir: defaultLibraryDir(dir), recovered: [], lastOpened: null, problems: [], problem: null });
    expect((await readdir(dir)).sort()).toEqual(['Drafts', 'drafts-state']);
  });

  it('never throws at boot: a library that cannot be opened becomes a problem in words', async () => {
    await writeFile(join(dir, 'not-a-folder'), 'a file where the library should be');
    const { service } = make({ libraryDirOverride: join(dir, 'not-a-folder') });
    const startup = await service.boot();
    expect(startup.libraryDir).toBeNull();
    expect(startup.problem).toMatch(/could not be opened/);
    expect(() => service.library).toThrow(/could not be opened/);
    await expect(call(service, { method: 'listDrafts', query: '' })).rejects.toThrow(/could not be opened/);
  });

  it('follows small changes with its own copy, and asks for the whole text when they do not fit', async () => {
    const { service } = make();
    await service.boot();
    const draft = await service.library.catalog.create('Harbour', 'The boats came in.');
    await service.open(draft.id);
    service.library.buffers.edit(
      draft.id,
      { kind: 'changes', changes: [{ offset: 18, deleteCount: 0, text: ' At dusk.' }], length: 27 },
      {},
    );
    expect((await service.library.buffers.exportSource(draft.id)).text).toBe('The boats came in. At dusk.');

    // A change the service never saw: the lengths disagree, and nothing is applied.
    expect(() =>
      service.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 0, deleteCount: 0, text: 'x' }], length: 99 }, {}),
    ).toThrow(/out of sync/);
    expect(() =>
      service.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 500, deleteCount: 1, text: '' }], length: 26 }, {}),
    ).toThrow(/out of sync/);
    expect((await service.library.buffers.exportSource(draft.id)).text).toBe('The boats came in. At dusk.');
    // The renderer then sends the whole text once, and small changes work again.
    service.library.buffers.edit(draft.id, { kind: 'text', text: 'Night.' }, { cursor: { offset: 6 }, modelSpans: [{ start: 0, end: 5 }] });
    service.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 0, deleteCount: 0, text: 'A ' }], length: 8 }, {});
    const source = await service.library.buffers.exportSource(draft.id);
    expect(source.text).toBe('A Night.');
    expect(source.modelSpans).toEqual([{ start: 0, end: 5 }]);
    // A draft it does not hold open cannot take small changes.
    const other = await service.library.catalog.create('Other');
    expect(() => service.library.buffers.edit(other.id, { kind: 'changes', changes: [], length: 0 }, {})).toThrow(/out of sync|not open/);
  });

  it('pushes saves, conflicts and reloads, and one broken listener does not silence the others', async () => {
    const { service, pushes } = make();
    service.onEvent(() => {
      throw new Error('a window that went away');
    });
    await service.boot();
    const draft = await service.library.catalog.create('Harbour', 'One.');
    await service.open(draft.id);
    service.library.buffers.edit(draft.id, { kind: 'text', text: 'Two.' }, {});
    await call(service, { method: 'saveDraft', id: draft.id });
    expect(pushes.filter((p) => p.kind === 'saved').map((p) => 'id' in p && p.id)).toEqual([draft.id]);

    // Outside edit while clean: reloaded, and the mirror follows it (the next small change applies to the new text).
    const file = join(defaultLibraryDir(dir), draft.id, 'text.md');
    await writeFile(file, 'Three.');
    await service.library.buffers.checkOutside(draft.id);
    expect(pushes.at(-1)).toEqual({ kind: 'reloaded', id: draft.id, text: 'Three.' });
    service.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 6, deleteCount: 0, text: ' Four.' }], length: 12 }, {});

    // Outside edit while dirty: a conflict, the file is not overwritten, and "theirs" comes back as the view.
    await writeFile(file, 'Five.');
    await service.library.buffers.checkOutside(draft.id);
    expect(pushes.at(-1)).toEqual({ kind: 'conflict', id: draft.id, diskText: 'Five.' });
    await expect(call(service, { method: 'saveDraft', id: draft.id })).rejects.toThrow(/changed by another program/);
    expect(await readFile(file, 'utf8')).toBe('Five.');
    const view = await call(service, { method: 'resolveDraftConflict', id: draft.id, keep: 'theirs' });
    expect(view).toMatchObject({ text: 'Five.', conflict: null });
    // The mirror took the resolved text: a change made against it fits.
    service.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 5, deleteCount: 0, text: '!' }], length: 6 }, {});
    // Our own text is kept as a snapshot, so the choice can be undone.
    const snapshots = await service.library.versions.list(draft.id);
    expect(snapshots.map((s) => s.name)).toContain('Kaituhi text (replaced by outside edit)');
  });

  it('replays the journal after a crash, and the next small change applies to the recovered text', async () => {
    const first = make().service;
    await first.boot();
    const draft = await first.library.catalog.create('Storm', 'Saved.');
    await first.open(draft.id);
    first.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 6, deleteCount: 0, text: ' Unsaved.' }], length: 15 }, {});
    const journal = join(stateDirFor(dir, defaultLibraryDir(dir)), 'journal');
    await waitFor(async () => (await readdir(journal).catch(() => [] as string[])).some((n) => n.endsWith('.json')));
    // The process "dies": nothing is saved, nothing is shut down; a new service starts on the same folders.
    services = services.filter((s) => s !== first);

    const { service } = make();
    const startup = await service.boot();
    expect(startup.recovered).toEqual([{ id: draft.id, title: 'Storm', words: 2, conflict: false }]);
    service.library.buffers.edit(draft.id, { kind: 'changes', changes: [{ offset: 15, deleteCount: 0, text: ' More.' }], length: 21 }, {});
    await service.library.buffers.save(draft.id);
    expect(await readFile(join(defaultLibraryDir(dir), draft.id, 'text.md'), 'utf8')).toBe('Saved. Unsaved. More.');
    await first.shutdown().catch(() => undefined);
  });

  it('a crash right after an edit keeps the model-written marks that came with it', async () => {
    const first = make().service;
    await first.boot();
    const draft = await first.library.catalog.create('Tide', 'The boats came in.');
    await first.open(draft.id);
    // One editDraft message: the inserted card's text and its mark.
    await call(first, {
      method: 'editDraft',
      id: draft.id,
      edit: { kind: 'changes', changes: [{ offset: 18, deleteCount: 0, text: ' The tide turned.' }], length: 35 },
      modelSpans: [{ start: 18, end: 35 }],
    });
    const journal = join(stateDirFor(dir, defaultLibraryDir(dir)), 'journal');
    await waitFor(async () => (await readdir(journal).catch(() => [] as string[])).some((n) => n.endsWith('.json')));
    services = services.filter((s) => s !== first);

    const { service } = make();
    await service.boot();
    const recovered = await service.open(draft.id);
    expect(recovered.text).toBe('The boats came in. The tide turned.');
    expect(recovered.modelSpans).toEqual([{ start: 18, end: 35 }]);
    await first.shutdown().catch(() => undefined);
  });

  it('relocates to another library, tells every window, and remembers it at the next boot', async () => {
    const { service, pushes } = make();
    await service.boot();
    const elsewhere = join(dir, 'Elsewhere');
    const startup = await service.relocate(elsewhere);
    expect(startup.libraryDir).toBe(elsewhere);
    expect(pushes.at(-1)).toEqual({ kind: 'library-changed', startup });
    await service.library.catalog.create('Moved');
    await service.shutdown();

    const again = make().service;
    expect((await again.boot()).libraryDir).toBe(elsewhere);
    expect((await again.library.catalog.list()).map((d) => d.title)).toEqual(['Moved']);
    // `--library DIR` wins over the remembered choice for one launch.
    const override = join(dir, 'Override');
    await mkdir(override);
    expect((await make({ libraryDirOverride: override }).service.boot()).libraryDir).toBe(override);
  });

  it('a draft that cannot be saved keeps the current library open and in use, with its text', async () => {
    let diskFull = false;
    const fs = faultyFs((op, path) => (diskFull && op === 'write' && path.includes('text.md') ? 'ENOSPC' : undefined));
    const { service, pushes } = make({ library: { autosaveDelayMs: 60_000, journalDelayMs: 10, watch: null, fs } });
    const startup = await service.boot();
    const draft = await service.library.catalog.create('Stays');
    await service.open(draft.id);
    service.library.buffers.edit(draft.id, { kind: 'text', text: 'Every word of it. ' });
    diskFull = true;
    await expect(service.relocate(join(dir, 'Elsewhere'))).rejects.toThrow(/^Kept the current library: .*space/i);
    // Still the same library, open, with the unsaved text, and nothing told the windows it changed.
    expect(pushes.some((push) => push.kind === 'library-changed')).toBe(false);
    expect((await service.open(draft.id)).text).toBe('Every word of it. ');
    diskFull = false;
    await service.library.buffers.save(draft.id);
    expect(await readFile(join(startup.libraryDir!, draft.id, 'text.md'), 'utf8')).toBe('Every word of it. ');
    // The choice was not remembered: the next launch opens the same library.
    await service.shutdown();
    expect((await make().service.boot()).libraryDir).toBe(startup.libraryDir);
  });

  it('a library that did not open can still be left for another', async () => {
    const { service } = make({ libraryDirOverride: join(dir, 'not-a-folder') });
    await writeFile(join(dir, 'not-a-folder'), 'a file, not a folder');
    expect((await service.boot()).problem).not.toBeNull();
    const elsewhere = join(dir, 'Elsewhere');
    expect((await service.relocate(elsewhere)).libraryDir).toBe(elsewhere);
  });

  it('a damaged remembered location falls back to the default library', async () => {
    await writeFile(join(dir, 'drafts-location.json'), '{"libraryDir": 5');
    expect((await make().service.boot()).libraryDir).toBe(defaultLibraryDir(dir));
  });

  it('says when a draft opens, with the text before its cursor, its memory, note and lorebook, so the engine can warm up', async () => {
    const opened: Parameters<NonNullable<DraftsServiceOptions['onDraftOpened']>>[0][] = [];
    const { service } = make({ onDraftOpened: (o) => opened.push(o) });
    await service.boot();
    const draft = await service.library.catalog.create('Lamp', 'The lamp was lit. The boat was late.');
    await service.library.buffers.open(draft.id);
    service.library.buffers.setMemory(draft.id, 'Aroha keeps the light.');
    const note = { ...DEFAULT_NOTE, text: 'Slowly.' };
    const lorebook = { budget: 100, entries: [newLoreEntry('lamp', { text: 'The lamp is old.', keys: ['lamp'] })] };
    service.library.buffers.setNote(draft.id, note);
    await service.library.buffers.setLorebook(draft.id, lorebook);
    service.library.buffers.setCursor(draft.id, { offset: 17 });
    await service.library.buffers.close(draft.id);
    await service.open(draft.id);
    expect(opened).toEqual([{ textBeforeCursor: 'The lamp was lit.', memory: 'Aroha keeps the light.', note, lorebook }]);
    await service.shutdown();
  });

  it('shutdown saves what is open', async () => {
    const { service } = make();
    await service.boot();
    const draft = await service.library.catalog.create('Quit');
    await service.open(draft.id);
    service.library.buffers.edit(draft.id, { kind: 'text', text: 'Written just before quitting.' }, {});
    expect(await service.shutdown()).toEqual({ failed: [] });
    expect(await readFile(join(defaultLibraryDir(dir), draft.id, 'text.md'), 'utf8')).toBe('Written just before quitting.');
    expect(() => service.library).toThrow();
  });
});

describe('dispatch', () => {
  it('knows its methods', () => {
    expect('openDraft' in draftsHandlers).toBe(true);
    expect('countTokens' in draftsHandlers).toBe(false);
  });

  it('server mode: exports come back as bytes to download, a PDF as HTML to print; titles become safe file names', async () => {
    const { service } = make();
    await service.boot();
    const draft = await service.library.catalog.create('Harbour', '# One\n\nThe boats came in.');
    const options = { title: 'Harbour: a/b\\c?', author: 'A. Keeper', chapterBreaks: true, modelSpans: 'keep' } as const;
    const docx = await call(service, { method: 'exportDraft', id: draft.id, format: 'docx', options });
    expect(docx).toMatchObject({ kind: 'download', fileName: 'Harbour a b c.docx' });
    if (!docx || typeof docx !== 'object' || !('kind' in docx) || docx.kind !== 'download') throw new Error('not a download');
    const xml = await (await JSZip.loadAsync(Buffer.from(docx.base64, 'base64'))).file('word/document.xml')?.async('string');
    expect(xml).toContain('The boats came in.');
    const pdf = await call(service, { method: 'exportDraft', id: draft.id, format: 'pdf', options });
    expect(pdf).toMatchObject({ kind: 'print', fileName: 'Harbour a b c.pdf' });
    expect(pdf && typeof pdf === 'object' && 'html' in pdf ? pdf.html : '').toContain('The boats came in.');
  });

  it('Electron: the save dialog writes the file, or the writer cancels', async () => {
    const written: string[] = [];
    let answer: string | null = null;
    const { service } = make({
      saveExport: async (name, format, bytes) => {
        written.push(`${name} ${format} ${Buffer.from(bytes).toString('utf8')}`);
        return answer;
      },
    });
    await service.boot();
    const draft = await service.library.catalog.create('Harbour', 'Text.');
    const options = { chapterBreaks: false, modelSpans: 'strip' } as const;
    answer = '/home/writer/Documents/Harbour.txt';
    const saved = await call(service, { method: 'exportDraft', id: draft.id, format: 'txt', options });
    expect(saved).toEqual({ kind: 'saved', fileName: 'Harbour.txt' });
    expect(written).toEqual(['Harbour.txt txt Text.']);
    answer = null;
    expect(await call(service, { method: 'exportDraft', id: draft.id, format: 'txt', options })).toEqual({
      kind: 'cancelled',
    });
  });

  it('the writer’s save puts back a draft folder another program deleted', async () => {
    const { service } = make();
    await service.boot();
    const draft = await service.library.catalog.create('Gone', 'Kept.');
    await service.open(draft.id);
    service.library.buffers.edit(draft.id, { kind: 'text', text: 'Kept. And more.' }, {});
    await rm(join(defaultLibraryDir(dir), draft.id), { recursive: true, force: true });
    await call(service, { method: 'saveDraft', id: draft.id });
    expect(await readFile(join(defaultLibraryDir(dir), draft.id, 'text.md'), 'utf8')).toBe('Kept. And more.');
  });

  it('refuses ids that would leave the library even when called directly', async () => {
    const { service } = make();
    await service.boot();
    for (const id of ['..', '../../x', '.trash', 'a/b']) {
      await expect(call(service, { method: 'openDraft', id })).rejects.toThrow(/not a draft/);
      await expect(call(service, { method: 'trashDraft', id })).rejects.toThrow(/not a draft/);
    }
    const draft = await service.library.catalog.create('Harbour');
    await expect(call(service, { method: 'compareSnapshot', id: draft.id, snapshotId: '../../text' })).rejects.toThrow(/not a snapshot/);
  });

  it('safeFileStem', () => {
    expect(safeFileStem('...hidden')).toBe('hidden');
    expect(safeFileStem('  ')).toBe('Untitled');
    expect(safeFileStem('a\u0000b')).toBe('a b');
  });
});
