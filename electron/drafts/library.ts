import { randomBytes } from 'node:crypto';
import { watch as fsWatch } from 'node:fs';
import { join } from 'node:path';
import { atomicWrite, readWithState, removeStaleTemps } from './atomic-write.js';
import { AutosaveScheduler } from './autosave.js';
import { localDay, systemClock, type Clock } from './clock.js';
import { checkId, readMeta, readText, slugify, textPath, writeMeta, type DiskState } from './draft-folder.js';
import { DraftError, isErrno, toDraftError } from './errors.js';
import { nodeFs, type DraftFs } from './fs-layer.js';
import { sha256 } from './hash.js';
import { Journal } from './journal.js';
import {
  defaultMeta,
  libraryStateSchema,
  normalizeSpans,
  type DraftCursor,
  type DraftMeta,
  type LibraryState,
  type ModelSpan,
} from './metadata.js';
import { Snapshots, type SnapshotInfo } from './snapshots.js';
import { remapSpans } from './spans.js';
import { diffTexts, type TextDiff } from './text-diff.js';
import { countWords } from './word-count.js';

/** Watches one folder and calls back on any change in it; injectable so tests can fire duplicate events. */
export type WatchFolder = (dir: string, onChange: () => void) => { close(): void };

const nodeWatch: WatchFolder = (dir, onChange) => {
  const w = fsWatch(dir, { persistent: false }, () => onChange());
  // A deleted folder makes the watcher error; the next save or check reports the missing folder in words.
  w.on('error', () => w.close());
  return w;
};

export interface DraftLibraryOptions {
  /** The library folder the writer chose. */
  root: string;
  /** Journal and library state; default `<root>/.kaituhi`. The app should pass a folder under userData so a deleted library cannot take the journal with it. */
  stateDir?: string;
  fs?: DraftFs;
  clock?: Clock;
  /** null disables watching (tests call checkOutside directly). */
  watch?: WatchFolder | null;
  autosaveDelayMs?: number;
  autosaveMaxDelayMs?: number;
  journalDelayMs?: number;
}

export interface DraftSummary {
  id: string;
  title: string;
  created: string;
  modified: string;
  words: number;
  open: boolean;
  dirty: boolean;
}

export interface OpenDraft {
  id: string;
  title: string;
  text: string;
  memory: string;
  modelSpans: ModelSpan[];
  cursor: DraftCursor | null;
  created: string;
  modified: string;
  dirty: boolean;
  /** The text came from the recovery journal, not from text.md. */
  recovered: boolean;
  /** Outside change waiting for the writer's decision. */
  conflict: { diskText: string } | null;
  /** Things we could not read and replaced with defaults (e.g. a damaged draft.json), in words. */
  problems: string[];
}

export interface RecoveredDraft {
  id: string;
  title: string;
  words: number;
  /** The draft folder was gone; it was recreated to hold the recovered text. */
  folderRecreated: boolean;
  /** text.md changed after the unsaved text was journaled; the writer must choose (see resolveConflict). */
  conflict: boolean;
}

export interface BootReport {
  recovered: RecoveredDraft[];
  /** Journal files that could not be read; left on disk for a human. */
  unreadableJournal: string[];
  lastOpened: { id: string; cursor: DraftCursor | null } | null;
  problems: string[];
}

export type OutsideChange =
  { kind: 'unchanged' } | { kind: 'reloaded'; text: string } | { kind: 'conflict'; diskText: string } | { kind: 'deleted' };

export type DraftEvent =
  | { type: 'saved'; id: string; modified: string }
  | { type: 'save-failed'; id: string; error: DraftError }
  | { type: 'journal-failed'; id: string; error: DraftError }
  | { type: 'reloaded'; id: string; text: string }
  | { type: 'conflict'; id: string; diskText: string }
  | { type: 'deleted-outside'; id: string };

export interface TrashedDraft {
  trashId: string;
  id: string;
  title: string;
  trashedAt: string;
}

export interface WordStats {
  words: number;
  /** Net words added today (local day); negative when the writer cut more than they wrote. */
  today: number;
  dailyGoal: number | null;
}

interface Buffer {
  id: string;
  text: string;
  meta: DraftMeta;
  disk: DiskState | null;
  /** Hashes of our own recent writes: a watcher event carrying one of these is us, however late it arrives. */
  ownHashes: string[];
  /** Anything not yet on disk (text, memory, spans, title). */
  dirty: boolean;
  textDirty: boolean;
  /** Only the cursor moved: worth writing with the next save, not worth a save of its own. */
  cursorDirty: boolean;
  version: number;
  journaledVersion: number;
  corruptMeta: boolean;
  problems: string[];
  recovered: boolean;
  conflict: (DiskState & { text: string }) | null;
  wordsAtOpen: number;
  watcher: { close(): void } | null;
}

const TRASH = '.trash';

/**
 * The drafts service: one library folder, one folder per draft (text.md + draft.json). Owns every
 * buffer the editor has open, so it alone decides when text reaches the disk: autosave, the journal,
 * and the refusal to overwrite an outside edit or to reload over unsaved text.
 */
export class DraftLibrary {
  readonly root: string;
  readonly stateDir: string;
  private readonly fs: DraftFs;
  private readonly clock: Clock;
  private readonly watchFolder: WatchFolder | null;
  private readonly journal: Journal;
  private readonly snapshots: Snapshots;
  private readonly buffers = new Map<string, Buffer>();
  private readonly listeners = new Set<(e: DraftEvent) => void>();
  private readonly autosave: AutosaveScheduler<string>;
  private readonly journaling: AutosaveScheduler<string>;
  private state: LibraryState = { version: 1, lastOpened: null, dailyGoal: null };
  private booted = false;

  constructor(opts: DraftLibraryOptions) {
    this.root = opts.root;
    this.stateDir = opts.stateDir ?? join(opts.root, '.kaituhi');
    this.fs = opts.fs ?? nodeFs;
    this.clock = opts.clock ?? systemClock;
    this.watchFolder = opts.watch === undefined ? nodeWatch : opts.watch;
    this.journal = new Journal(this.fs, join(this.stateDir, 'journal'));
    this.snapshots = new Snapshots(this.fs);
    this.autosave = new AutosaveScheduler({
      clock: this.clock,
      delayMs: opts.autosaveDelayMs ?? 1000,
      maxDelayMs: opts.autosaveMaxDelayMs ?? 10_000,
      save: (id) => this.persist(id).then(() => undefined),
    });
    this.journaling = new AutosaveScheduler({
      clock: this.clock,
      delayMs: opts.journalDelayMs ?? 250,
      maxDelayMs: 1000,
      save: (id) => this.writeJournal(id),
    });
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  async boot(): Promise<BootReport> {
    const problems: string[] = [];
    try {
      await this.fs.mkdir(this.root);
      await this.fs.mkdir(this.stateDir);
    } catch (err) {
      throw toDraftError(err, 'open the library folder', this.root);
    }
    try {
      const parsed = libraryStateSchema.safeParse(JSON.parse((await this.fs.readFile(this.statePath())).toString('utf8')));
      if (parsed.success) this.state = parsed.data;
      else problems.push('library.json was damaged; the last opened draft and daily goal were reset');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) problems.push('library.json could not be read; the last opened draft and daily goal were reset');
    }
    this.booted = true;
    const { recovered, unreadable } = await this.recover();
    return { recovered, unreadableJournal: unreadable, lastOpened: this.lastOpened(), problems };
  }

  /**
   * Loads every journal entry whose text differs from the disk into an open, dirty buffer (autosave
   * then writes it), and clears entries that turned out to be saved already. Returns what was
   * recovered, for the notice the UI shows.
   */
  async recover(): Promise<{ recovered: RecoveredDraft[]; unreadable: string[] }> {
    await removeStaleTemps(this.fs, this.journal.dir);
    const { entries, unreadable } = await this.journal.readAll();
    const recovered: RecoveredDraft[] = [];
    for (const entry of entries) {
      let id: string;
      try {
        id = checkId(entry.id);
      } catch {
        unreadable.push(entry.id);
        continue;
      }
      if (this.buffers.has(id)) continue;
      let folderRecreated = false;
      if (!(await this.exists(join(this.root, id)))) {
        await this.fs.mkdir(join(this.root, id)).catch((err: unknown) => {
          throw toDraftError(err, `recreate the folder for “${entry.title}”`, join(this.root, id));
        });
        folderRecreated = true;
      }
      const nowIso = new Date(this.clock.now()).toISOString();
      const { meta, problems, corrupt } = folderRecreated
        ? { meta: defaultMeta(entry.title, nowIso), problems: [], corrupt: false }
        : await readMeta(this.fs, this.root, id, nowIso);
      const { text: diskText, disk } = await readText(this.fs, this.root, id);
      if (diskText === entry.text && meta.memory === entry.memory && !folderRecreated) {
        await this.journal.remove(id);
        continue;
      }
      const changedSince = disk !== null && entry.baseHash !== null && disk.hash !== entry.baseHash;
      const b = this.newBuffer(
        id,
        entry.text,
        { ...meta, title: entry.title, memory: entry.memory, modelSpans: normalizeSpans(entry.modelSpans, entry.text.length) },
        disk,
      );
      b.corruptMeta = corrupt;
      b.problems = problems;
      b.recovered = true;
      b.dirty = true;
      b.textDirty = true;
      b.version = 1;
      b.journaledVersion = 1;
      b.wordsAtOpen = countWords(diskText);
      if (changedSince && disk) b.conflict = { ...disk, text: diskText };
      this.buffers.set(id, b);
      this.startWatching(b);
      if (!b.conflict) this.autosave.changed(id);
      recovered.push({ id, title: entry.title, words: countWords(entry.text), folderRecreated, conflict: b.conflict !== null });
    }
    return { recovered, unreadable };
  }

  /** Saves everything, stops watching. Returns the drafts that could not be saved (their text is in the journal). */
  async shutdown(): Promise<{ failed: { id: string; error: DraftError }[] }> {
    const failed: { id: string; error: DraftError }[] = [];
    for (const id of [...this.buffers.keys()]) {
      try {
        await this.save(id);
      } catch (err) {
        failed.push({ id, error: toDraftError(err, 'save before quitting') });
        await this.writeJournal(id).catch(() => undefined);
      }
    }
    await this.writeState().catch(() => undefined);
    this.autosave.dispose();
    this.journaling.dispose();
    for (const b of this.buffers.values()) b.watcher?.close();
    this.buffers.clear();
    this.booted = false;
    return { failed };
  }

  onEvent(listener: (e: DraftEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ── library ──────────────────────────────────────────────────────────────────────────────────

  async list(): Promise<DraftSummary[]> {
    this.assertBooted();
    let names: string[];
    try {
      names = await this.fs.readdir(this.root);
    } catch (err) {
      throw toDraftError(err, 'list the drafts', this.root);
    }
    const out: DraftSummary[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const s = await this.summary(name).catch(() => null);
      if (s) out.push(s);
    }
    return out.sort((a, b) => (a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : a.title.localeCompare(b.title)));
  }

  /** Title search that ignores case and accents ("cafe" finds "Café"). */
  async search(query: string): Promise<DraftSummary[]> {
    const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
    const q = fold(query.trim());
    const all = await this.list();
    return q ? all.filter((d) => fold(d.title).includes(q)) : all;
  }

  async create(title = 'Untitled', text = ''): Promise<DraftSummary> {
    this.assertBooted();
    const clean = title.trim().slice(0, 500) || 'Untitled';
    const id = await this.freshId(clean);
    const now = this.clock.now();
    const meta = defaultMeta(clean, new Date(now).toISOString());
    const words = countWords(text);
    meta.wordHistory[localDay(now)] = { start: 0, end: words };
    try {
      await this.fs.mkdir(join(this.root, id));
      await atomicWrite(this.fs, textPath(this.root, id), text);
      await writeMeta(this.fs, this.root, id, meta, false, now);
    } catch (err) {
      throw toDraftError(err, `create the draft “${clean}”`, join(this.root, id));
    }
    return this.summary(id);
  }

  async rename(id: string, title: string): Promise<DraftSummary> {
    checkId(id);
    const clean = title.trim().slice(0, 500);
    if (!clean) throw new DraftError('invalid-input', 'A draft needs a title.');
    const wasOpen = this.buffers.has(id);
    const b = await this.openBuffer(id);
    b.meta.title = clean;
    this.markDirty(b, false);
    await this.save(id);
    const s = await this.summary(id);
    if (!wasOpen) await this.close(id);
    return { ...s, open: wasOpen };
  }

  async duplicate(id: string): Promise<DraftSummary> {
    checkId(id);
    const wasOpen = this.buffers.has(id);
    const src = await this.openBuffer(id);
    // The copy is built from the buffer, not copied file by file: that includes unsaved text and never copies a symlink.
    const copy = await this.create(`${src.meta.title} (copy)`, src.text);
    const b = await this.openBuffer(copy.id);
    b.meta.memory = src.meta.memory;
    b.meta.modelSpans = src.meta.modelSpans.map((s) => ({ ...s }));
    this.markDirty(b, false);
    await this.close(copy.id);
    if (!wasOpen) await this.close(id);
    return this.summary(copy.id);
  }

  /** Moves the draft folder into the library's trash. Saves first; refuses if that fails, so nothing unsaved goes to the trash. */
  async trash(id: string): Promise<TrashedDraft> {
    checkId(id);
    if (this.buffers.has(id)) await this.close(id);
    const stamp = new Date(this.clock.now()).toISOString().replace(/[-:.]/g, '');
    const trashId = `${id}~${stamp}`;
    try {
      await this.fs.mkdir(join(this.root, TRASH));
      await this.fs.rename(join(this.root, id), join(this.root, TRASH, trashId));
    } catch (err) {
      if (isErrno(err, 'ENOENT'))
        throw new DraftError('not-found', `The draft “${id}” no longer exists.`, join(this.root, id), { cause: err });
      throw toDraftError(err, `move “${id}” to the trash`, join(this.root, id));
    }
    if (this.state.lastOpened?.id === id) {
      this.state.lastOpened = null;
      await this.writeState().catch(() => undefined);
    }
    return this.trashEntry(trashId);
  }

  async listTrash(): Promise<TrashedDraft[]> {
    let names: string[];
    try {
      names = await this.fs.readdir(join(this.root, TRASH));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw toDraftError(err, 'list the trash', join(this.root, TRASH));
    }
    const out: TrashedDraft[] = [];
    for (const n of names) if (n.includes('~')) out.push(await this.trashEntry(n));
    return out.sort((a, b) => (a.trashedAt < b.trashedAt ? 1 : -1));
  }

  /** Puts a trashed draft back under its old id, or a fresh one if that id was taken meanwhile. */
  async restore(trashId: string): Promise<DraftSummary> {
    const entry = await this.trashEntry(checkId(trashId));
    const id = (await this.exists(join(this.root, entry.id))) ? await this.freshId(entry.title) : entry.id;
    try {
      await this.fs.rename(join(this.root, TRASH, trashId), join(this.root, id));
    } catch (err) {
      if (isErrno(err, 'ENOENT'))
        throw new DraftError('not-found', 'That draft is no longer in the trash.', join(this.root, TRASH, trashId), { cause: err });
      throw toDraftError(err, `restore “${entry.title}”`, join(this.root, TRASH, trashId));
    }
    return this.summary(id);
  }

  async deleteForever(trashId: string): Promise<void> {
    checkId(trashId);
    try {
      await this.fs.rm(join(this.root, TRASH, trashId));
    } catch (err) {
      throw toDraftError(err, 'empty the trash', join(this.root, TRASH, trashId));
    }
  }

  lastOpened(): { id: string; cursor: DraftCursor | null } | null {
    const last = this.state.lastOpened;
    if (!last) return null;
    const b = this.buffers.get(last.id);
    return { id: last.id, cursor: b?.meta.cursor ?? last.cursor };
  }

  // ── one draft ────────────────────────────────────────────────────────────────────────────────

  async open(id: string): Promise<OpenDraft> {
    const b = await this.openBuffer(checkId(id));
    this.state.lastOpened = { id, cursor: b.meta.cursor };
    await this.writeState().catch(() => undefined);
    return this.view(b);
  }

  /** Saves and forgets the buffer. Throws (and keeps the buffer) if the save fails. */
  async close(id: string): Promise<void> {
    const b = this.buffers.get(checkId(id));
    if (!b) return;
    await this.save(id);
    this.autosave.cancel(id);
    this.journaling.cancel(id);
    b.watcher?.close();
    this.buffers.delete(id);
  }

  /** The editor's text changed. Cheap: the journal and the save follow on their own timers. */
  edit(id: string, text: string, changes: { modelSpans?: readonly ModelSpan[]; cursor?: DraftCursor } = {}): void {
    const b = this.mustBuffer(id);
    b.text = text;
    if (changes.modelSpans) b.meta.modelSpans = normalizeSpans(changes.modelSpans, text.length);
    if (changes.cursor) b.meta.cursor = changes.cursor;
    this.markDirty(b, true);
  }

  setMemory(id: string, memory: string): void {
    const b = this.mustBuffer(id);
    b.meta.memory = memory;
    this.markDirty(b, false);
  }

  setModelSpans(id: string, spans: readonly ModelSpan[]): void {
    const b = this.mustBuffer(id);
    b.meta.modelSpans = normalizeSpans(spans, b.text.length);
    this.markDirty(b, false);
  }

  /** Remembered with the next save, at close and at quit; a cursor move alone does not cost a write. */
  setCursor(id: string, cursor: DraftCursor): void {
    const b = this.mustBuffer(id);
    b.meta.cursor = cursor;
    b.cursorDirty = true;
    if (this.state.lastOpened?.id === id) this.state.lastOpened.cursor = cursor;
  }

  /** Saves now (blur, close, quit, Ctrl+S). Throws a DraftError the UI shows; the text stays in memory and the journal. */
  async save(id: string, opts: { recreateFolder?: boolean } = {}): Promise<void> {
    const b = this.mustBuffer(id);
    if (opts.recreateFolder) {
      await this.fs.mkdir(join(this.root, id)).catch((err: unknown) => {
        throw toDraftError(err, `recreate the folder for “${b.meta.title}”`, join(this.root, id));
      });
    }
    if (b.cursorDirty && !b.dirty) {
      b.dirty = true;
      this.autosave.changed(id);
    }
    await this.autosave.flush(id);
    // flush() only runs scheduled work; make the failure visible to this caller too.
    if (b.dirty && !b.conflict) await this.persist(id);
    // Close and quit must not mistake "waiting for the writer's choice" for "saved".
    if (b.conflict && b.dirty) {
      throw new DraftError(
        'conflict',
        `“${b.meta.title}” was changed by another program while you were editing it. Choose which version to keep; your text is safe in Kaituhi and in its recovery journal.`,
        textPath(this.root, id),
      );
    }
  }

  /** Saves every open draft (window blur, quit). */
  async saveAll(): Promise<{ failed: { id: string; error: DraftError }[] }> {
    const failed: { id: string; error: DraftError }[] = [];
    for (const id of [...this.buffers.keys()]) {
      await this.save(id).catch((err: unknown) => failed.push({ id, error: toDraftError(err, 'save') }));
    }
    return { failed };
  }

  isDirty(id: string): boolean {
    return this.mustBuffer(id).dirty;
  }

  /**
   * Looks at text.md for a change we did not make. Safe to call on every watcher event, duplicates
   * included: a change already seen, or one of our own writes, reads as unchanged. A clean buffer is
   * reloaded; a dirty one is never overwritten, it becomes a conflict for the writer to resolve.
   */
  async checkOutside(id: string): Promise<OutsideChange> {
    const b = this.buffers.get(checkId(id));
    if (!b) return { kind: 'unchanged' };
    let st;
    try {
      st = await this.fs.stat(textPath(this.root, id));
    } catch (err) {
      if (isErrno(err, 'ENOENT') && b.disk !== null) {
        this.emit({ type: 'deleted-outside', id });
        return { kind: 'deleted' };
      }
      return { kind: 'unchanged' };
    }
    if (b.disk && st.mtimeMs === b.disk.mtimeMs && st.size === b.disk.size && !b.conflict) return { kind: 'unchanged' };
    const fresh = await readWithState(this.fs, textPath(this.root, id)).catch(() => null);
    if (!fresh) return { kind: 'unchanged' };
    const state: DiskState = { hash: fresh.hash, mtimeMs: fresh.mtimeMs, size: fresh.size };
    if ((b.disk && fresh.hash === b.disk.hash) || b.ownHashes.includes(fresh.hash)) {
      b.disk = state;
      return { kind: 'unchanged' };
    }
    if (b.conflict && b.conflict.hash === fresh.hash) return { kind: 'conflict', diskText: fresh.text };
    if (b.dirty && b.textDirty) {
      b.conflict = { ...state, text: fresh.text };
      this.emit({ type: 'conflict', id, diskText: fresh.text });
      return { kind: 'conflict', diskText: fresh.text };
    }
    b.meta.modelSpans = remapSpans(b.meta.modelSpans, b.text, fresh.text);
    b.text = fresh.text;
    b.disk = state;
    b.conflict = null;
    this.emit({ type: 'reloaded', id, text: fresh.text });
    return { kind: 'reloaded', text: fresh.text };
  }

  /**
   * The writer's answer to a conflict. Whichever side loses is kept as a snapshot, so the choice can be undone.
   */
  async resolveConflict(id: string, keep: 'mine' | 'theirs'): Promise<OpenDraft> {
    const b = this.mustBuffer(id);
    const c = b.conflict;
    if (!c) return this.view(b);
    const dir = join(this.root, id);
    if (keep === 'mine') {
      await this.snapshots.create(dir, c.text, 'Outside edit (replaced by Kaituhi text)', 'outside-edit', this.clock.now());
      b.disk = { hash: c.hash, mtimeMs: c.mtimeMs, size: c.size };
      b.conflict = null;
      this.markDirty(b, true);
      await this.save(id);
    } else {
      await this.snapshots.create(dir, b.text, 'Kaituhi text (replaced by outside edit)', 'before-reload', this.clock.now());
      b.meta.modelSpans = remapSpans(b.meta.modelSpans, b.text, c.text);
      b.text = c.text;
      b.disk = { hash: c.hash, mtimeMs: c.mtimeMs, size: c.size };
      b.conflict = null;
      b.textDirty = false;
      this.markDirty(b, false);
      await this.save(id);
    }
    return this.view(b);
  }

  // ── snapshots ────────────────────────────────────────────────────────────────────────────────

  async snapshot(id: string, name: string): Promise<SnapshotInfo> {
    const b = await this.openBuffer(checkId(id));
    return this.snapshots.create(join(this.root, id), b.text, name, 'manual', this.clock.now());
  }

  async listSnapshots(id: string): Promise<SnapshotInfo[]> {
    return this.snapshots.list(join(this.root, checkId(id)));
  }

  /** Snapshot (old) against the current text, unsaved edits included (new). */
  async diffSnapshot(id: string, snapshotId: string): Promise<TextDiff> {
    const b = await this.openBuffer(checkId(id));
    const old = await this.snapshots.read(join(this.root, id), snapshotId);
    return diffTexts(old, b.text);
  }

  /** Replaces the text with a snapshot, after snapshotting the current text so the restore can be undone. */
  async restoreSnapshot(id: string, snapshotId: string): Promise<OpenDraft> {
    const b = await this.openBuffer(checkId(id));
    const old = await this.snapshots.read(join(this.root, id), snapshotId);
    await this.snapshots.create(join(this.root, id), b.text, 'Before restoring a snapshot', 'before-restore', this.clock.now());
    b.text = old;
    // Offsets in the snapshot are not those of the current text; we cannot say who wrote what any more.
    b.meta.modelSpans = [];
    this.markDirty(b, true);
    await this.save(id);
    return this.view(b);
  }

  /** For bulk edits (replace all, large insertions): snapshot, then apply and save. */
  async applyBulkChange(id: string, text: string, label: string, modelSpans?: readonly ModelSpan[]): Promise<SnapshotInfo> {
    const b = await this.openBuffer(checkId(id));
    const snap = await this.snapshots.create(join(this.root, id), b.text, `Before ${label}`, 'before-bulk-change', this.clock.now());
    this.edit(id, text, modelSpans ? { modelSpans } : { modelSpans: remapSpans(b.meta.modelSpans, b.text, text) });
    await this.save(id);
    return snap;
  }

  // ── words ────────────────────────────────────────────────────────────────────────────────────

  setDailyGoal(goal: number | null): Promise<void> {
    if (goal !== null && (!Number.isInteger(goal) || goal <= 0))
      throw new DraftError('invalid-input', 'A daily goal is a whole number of words above zero.');
    this.state.dailyGoal = goal;
    return this.writeState();
  }

  /** One draft's count, or with no id, today's words across the library. */
  async wordStats(id?: string): Promise<WordStats> {
    const day = localDay(this.clock.now());
    if (id !== undefined) {
      const b = await this.openBuffer(checkId(id));
      const words = countWords(b.text);
      return { words, today: words - this.dayStart(b, day), dailyGoal: this.state.dailyGoal };
    }
    let words = 0;
    let today = 0;
    for (const d of await this.list()) {
      const b = this.buffers.get(d.id);
      if (b) {
        const w = countWords(b.text);
        words += w;
        today += w - this.dayStart(b, day);
      } else {
        const { meta } = await readMeta(this.fs, this.root, d.id, new Date(0).toISOString());
        words += d.words;
        const e = meta.wordHistory[day];
        if (e) today += e.end - e.start;
      }
    }
    return { words, today, dailyGoal: this.state.dailyGoal };
  }

  /** What exports need: the current text (unsaved edits included), spans and title. */
  async exportSource(id: string): Promise<{ title: string; text: string; modelSpans: ModelSpan[] }> {
    const b = await this.openBuffer(checkId(id));
    return { title: b.meta.title, text: b.text, modelSpans: b.meta.modelSpans.map((s) => ({ ...s })) };
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  private dayStart(b: Buffer, day: string): number {
    const e = b.meta.wordHistory[day];
    if (e) return e.start;
    const earlier = Object.keys(b.meta.wordHistory)
      .filter((d) => d < day)
      .sort()
      .pop();
    return earlier ? b.meta.wordHistory[earlier]!.end : b.wordsAtOpen;
  }

  private markDirty(b: Buffer, text: boolean): void {
    b.version++;
    b.dirty = true;
    if (text) b.textDirty = true;
    this.journaling.changed(b.id);
    this.autosave.changed(b.id);
  }

  private async writeJournal(id: string): Promise<void> {
    const b = this.buffers.get(id);
    if (!b || !b.dirty || b.journaledVersion === b.version) return;
    const version = b.version;
    try {
      await this.journal.write({
        version: 1,
        id,
        title: b.meta.title,
        text: b.text,
        memory: b.meta.memory,
        baseHash: b.disk?.hash ?? null,
        modelSpans: b.meta.modelSpans,
        written: new Date(this.clock.now()).toISOString(),
      });
      b.journaledVersion = Math.max(b.journaledVersion, version);
    } catch (err) {
      const error = toDraftError(err, 'write the recovery journal');
      this.emit({ type: 'journal-failed', id, error });
      throw error;
    }
  }

  /** Journal, check for an outside edit, write text.md and draft.json, then clear the journal. */
  private async persist(id: string): Promise<void> {
    const b = this.buffers.get(id);
    if (!b || !b.dirty) return;
    // Journal first: if this save dies halfway, recovery has the text. A journal failure alone does not stop the save.
    await this.writeJournal(id).catch(() => undefined);
    if (b.conflict) return;
    const version = b.version;
    const text = b.text;
    const now = this.clock.now();
    try {
      if (b.textDirty) {
        if (await this.changedOutside(b)) return;
        // Registered before the write: the watcher can report our rename before atomicWrite returns.
        const hash = sha256(text);
        b.ownHashes = [hash, ...b.ownHashes.filter((h) => h !== hash)].slice(0, 4);
        const written = await atomicWrite(this.fs, textPath(this.root, id), text);
        b.disk = { hash: written.hash, mtimeMs: written.mtimeMs, size: written.size };
      }
      const day = localDay(now);
      const words = countWords(text);
      const start = this.dayStart(b, day);
      b.meta.wordHistory[day] = { start, end: words };
      b.meta.modified = new Date(now).toISOString();
      await writeMeta(this.fs, this.root, id, b.meta, b.corruptMeta, now);
      b.corruptMeta = false;
    } catch (err) {
      const error = toDraftError(err, `save “${b.meta.title}”`, join(this.root, id));
      this.emit({ type: 'save-failed', id, error });
      throw error;
    }
    b.cursorDirty = false;
    if (b.version === version) {
      b.dirty = false;
      b.textDirty = false;
      b.recovered = false;
      await this.journal.remove(id).catch(() => undefined);
      b.journaledVersion = b.version;
    }
    this.emit({ type: 'saved', id, modified: b.meta.modified });
  }

  /** The last line of defence against overwriting an outside edit when the watcher missed it. */
  private async changedOutside(b: Buffer): Promise<boolean> {
    if (!b.disk) return false;
    let st;
    try {
      st = await this.fs.stat(textPath(this.root, b.id));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    if (st.mtimeMs === b.disk.mtimeMs && st.size === b.disk.size) return false;
    const fresh = await readWithState(this.fs, textPath(this.root, b.id));
    if (fresh.hash === b.disk.hash || b.ownHashes.includes(fresh.hash)) {
      b.disk = { hash: fresh.hash, mtimeMs: fresh.mtimeMs, size: fresh.size };
      return false;
    }
    b.conflict = { hash: fresh.hash, mtimeMs: fresh.mtimeMs, size: fresh.size, text: fresh.text };
    this.emit({ type: 'conflict', id: b.id, diskText: fresh.text });
    return true;
  }

  private newBuffer(id: string, text: string, meta: DraftMeta, disk: DiskState | null): Buffer {
    return {
      id,
      text,
      meta,
      disk,
      ownHashes: disk ? [disk.hash] : [],
      dirty: false,
      textDirty: false,
      cursorDirty: false,
      version: 0,
      journaledVersion: 0,
      corruptMeta: false,
      problems: [],
      recovered: false,
      conflict: null,
      wordsAtOpen: 0,
      watcher: null,
    };
  }

  private async openBuffer(id: string): Promise<Buffer> {
    this.assertBooted();
    const existing = this.buffers.get(id);
    if (existing) return existing;
    const dir = join(this.root, id);
    if (!(await this.exists(dir))) throw new DraftError('not-found', `The draft “${id}” is not in the library any more.`, dir);
    await removeStaleTemps(this.fs, dir);
    const { meta, problems, corrupt } = await readMeta(this.fs, this.root, id, new Date(this.clock.now()).toISOString());
    const { text, disk } = await readText(this.fs, this.root, id);
    if (!disk) problems.push('text.md was missing; the draft starts empty');
    meta.modelSpans = normalizeSpans(meta.modelSpans, text.length);
    const b = this.newBuffer(id, text, meta, disk);
    b.problems = problems;
    b.corruptMeta = corrupt;
    b.wordsAtOpen = countWords(text);
    // Another call may have opened it while we read.
    const raced = this.buffers.get(id);
    if (raced) return raced;
    this.buffers.set(id, b);
    this.startWatching(b);
    return b;
  }

  private startWatching(b: Buffer): void {
    if (!this.watchFolder) return;
    try {
      b.watcher = this.watchFolder(join(this.root, b.id), () => {
        void this.checkOutside(b.id).catch(() => undefined);
      });
    } catch {
      // No watcher (folder gone, or a platform limit): the check before each save still guards the file.
      b.watcher = null;
    }
  }

  private mustBuffer(id: string): Buffer {
    const b = this.buffers.get(checkId(id));
    if (!b) throw new DraftError('not-found', `The draft “${id}” is not open.`);
    return b;
  }

  private view(b: Buffer): OpenDraft {
    return {
      id: b.id,
      title: b.meta.title,
      text: b.text,
      memory: b.meta.memory,
      modelSpans: b.meta.modelSpans.map((s) => ({ ...s })),
      cursor: b.meta.cursor,
      created: b.meta.created,
      modified: b.meta.modified,
      dirty: b.dirty,
      recovered: b.recovered,
      conflict: b.conflict ? { diskText: b.conflict.text } : null,
      problems: [...b.problems],
    };
  }

  private async summary(id: string): Promise<DraftSummary> {
    const b = this.buffers.get(id);
    if (b) {
      return {
        id,
        title: b.meta.title,
        created: b.meta.created,
        modified: b.meta.modified,
        words: countWords(b.text),
        open: true,
        dirty: b.dirty,
      };
    }
    const st = await this.fs.stat(join(this.root, id));
    if (!st.isDirectory()) throw new DraftError('not-found', `${id} is not a draft folder`);
    const { meta } = await readMeta(this.fs, this.root, id, new Date(st.mtimeMs).toISOString());
    const hasText = await this.exists(textPath(this.root, id));
    const hasMeta = await this.exists(join(this.root, id, 'draft.json'));
    if (!hasText && !hasMeta) throw new DraftError('not-found', `${id} is not a draft folder`);
    // The last day's count saves reading a possibly huge text.md just to list the library.
    const days = Object.keys(meta.wordHistory).sort();
    const lastDay = days[days.length - 1];
    const words = lastDay ? meta.wordHistory[lastDay]!.end : hasText ? countWords((await readText(this.fs, this.root, id)).text) : 0;
    return { id, title: meta.title, created: meta.created, modified: meta.modified, words, open: false, dirty: false };
  }

  private async trashEntry(trashId: string): Promise<TrashedDraft> {
    const cut = trashId.lastIndexOf('~');
    const id = cut > 0 ? trashId.slice(0, cut) : trashId;
    const stamp = cut > 0 ? trashId.slice(cut + 1) : '';
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp);
    const trashedAt = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : new Date(0).toISOString();
    const { meta } = await readMeta(this.fs, join(this.root, TRASH), trashId, trashedAt);
    return { trashId, id, title: meta.title === trashId ? id : meta.title, trashedAt };
  }

  private async freshId(title: string): Promise<string> {
    const base = slugify(title);
    for (;;) {
      const id = `${base}-${randomBytes(3).toString('hex')}`;
      if (!(await this.exists(join(this.root, id)))) return id;
    }
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.fs.stat(path);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
      throw toDraftError(err, 'look at the library folder', path);
    }
  }

  private statePath(): string {
    return join(this.stateDir, 'library.json');
  }

  private async writeState(): Promise<void> {
    try {
      await this.fs.mkdir(this.stateDir);
      await atomicWrite(this.fs, this.statePath(), JSON.stringify(this.state, null, 2));
    } catch (err) {
      throw toDraftError(err, 'remember the library settings', this.statePath());
    }
  }

  private emit(e: DraftEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener must not stop a save from completing.
      }
    }
  }

  private assertBooted(): void {
    if (!this.booted) throw new DraftError('invalid-input', 'The drafts library has not been started (call boot() first).');
  }
}
