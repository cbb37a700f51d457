/**
 * The drafts the editor has open. They own the text, so they alone decide when it reaches the disk:
 * the journal a moment after each edit, autosave a second after the last one, and never over an outside
 * edit (that becomes a conflict for the writer) nor a reload over unsaved text.
 *
 * Why one file (about 550 lines): every setter here (text, memory, note, lorebook, series, mode, history) marks the
 * same buffer dirty and goes through the same journal-then-persist path; split apart, each piece would need the
 * buffer's private timers and the write order that keeps the journal ahead of the disk.
 */
import { watch as fsWatch } from 'node:fs';
import { join } from 'node:path';
import type { DraftCursor, DraftEdit, ModelSpan } from '../common/drafts.js';
import { applyHistoryOps, type HistoryOp, type HistoryTree } from '../common/history.js';
import type { AuthorNote, Lorebook, SeriesSummary } from '../common/lore.js';
import type { DraftSuggestionMode } from '../common/suggestion-mode.js';
import { countWords } from '../common/word-count.js';
import { atomicWrite, removeStaleTemps } from '../disk/atomic-write.js';
import { sha256 } from '../disk/sha256.js';
import { AutosaveScheduler } from './autosave.js';
import { localDay } from './clock.js';
import { nowIso, type DraftSummary, type LibraryContext } from './context.js';
import { applyTextChanges, newBuffer, summaryOf, viewOf, wordsAtStartOf, type DraftBuffer, type OpenDraft } from './draft-buffer.js';
import { checkId, pathExists, readMeta, readText, textPath, writeMeta } from './draft-folder.js';
import { DraftError, toDraftError } from './errors.js';
import { readHistory, writeHistory } from './history-file.js';
import type { Journal } from './journal.js';
import { normalizeSpans, storyOf, type DraftStory } from './metadata.js';
import { lookAtDisk, type OutsideChange } from './outside-changes.js';
import { checkSeriesName, SeriesShelf } from './series.js';
import { remapSpans } from './spans.js';

/** Watches one folder and calls back on any change in it; injectable so tests can fire duplicate events. */
export type WatchFolder = (dir: string, onChange: () => void) => { close(): void };

export const nodeWatch: WatchFolder = (dir, onChange) => {
  const w = fsWatch(dir, { persistent: false }, () => onChange());
  // A deleted folder makes the watcher error; the next save or check reports the missing folder in words.
  w.on('error', () => w.close());
  return w;
};

export interface BufferTimings {
  autosaveDelayMs?: number;
  autosaveMaxDelayMs?: number;
  journalDelayMs?: number;
}

export class OpenBuffers {
  readonly #buffers = new Map<string, DraftBuffer>();
  readonly #autosave: AutosaveScheduler<string>;
  readonly #journaling: AutosaveScheduler<string>;

  readonly #ctx: LibraryContext;
  readonly #journal: Journal;
  readonly #watchFolder: WatchFolder | null;
  /** The series files: the lorebooks drafts of one series share. */
  readonly series: SeriesShelf;

  constructor(ctx: LibraryContext, journal: Journal, watchFolder: WatchFolder | null, timings: BufferTimings = {}) {
    this.#ctx = ctx;
    this.#journal = journal;
    this.#watchFolder = watchFolder;
    this.series = new SeriesShelf(ctx);
    this.#autosave = new AutosaveScheduler({
      clock: ctx.clock,
      delayMs: timings.autosaveDelayMs ?? 1000,
      maxDelayMs: timings.autosaveMaxDelayMs ?? 10_000,
      save: (id) => this.#persist(id),
    });
    this.#journaling = new AutosaveScheduler({
      clock: ctx.clock,
      delayMs: timings.journalDelayMs ?? 250,
      maxDelayMs: 1000,
      save: (id) => this.#writeJournal(id),
    });
  }

  has(id: string): boolean {
    return this.#buffers.has(id);
  }

  ids(): string[] {
    return [...this.#buffers.keys()];
  }

  /** An open draft's buffer, or a DraftError the UI can show. */
  buffer(id: string): DraftBuffer {
    const b = this.#buffers.get(checkId(id));
    if (!b) throw new DraftError('not-found', `The draft “${id}” is not open.`);
    return b;
  }

  /** The list line of an open draft, counted from its text (unsaved edits included). */
  summary(id: string): DraftSummary | null {
    const b = this.#buffers.get(id);
    return b ? summaryOf(b, countWords(b.text)) : null;
  }

  /** Opens a draft for the editor; it becomes the one the next launch reopens. */
  async open(id: string): Promise<OpenDraft> {
    const b = await this.load(checkId(id));
    await this.#readSeries(b);
    this.#ctx.state.state.lastOpened = { id, cursor: b.meta.cursor };
    await this.#ctx.state.write().catch(() => undefined);
    return this.view(b);
  }

  /** An open draft as the editor receives it, with the lorebook it uses (its series', read when it opened). */
  view(b: DraftBuffer): OpenDraft {
    return viewOf(b, this.lorebookOf(b));
  }

  /** The lorebook a draft uses: its series' when it is in one whose file could be read, else its own. */
  lorebookOf(b: DraftBuffer): Lorebook {
    return (b.meta.series !== null ? this.series.cached(b.meta.series) : undefined) ?? b.meta.lorebook;
  }

  /** Every series of the library with the number of drafts that share its lorebook (open drafts as they stand now). */
  listSeries(): Promise<SeriesSummary[]> {
    this.#ctx.assertBooted();
    return this.series.list((id) => (this.#buffers.has(id) ? this.#buffers.get(id)!.meta.series : undefined));
  }

  /** The buffer of a draft, reading it from disk when it is not open yet. */
  async load(id: string): Promise<DraftBuffer> {
    this.#ctx.assertBooted();
    const existing = this.#buffers.get(id);
    if (existing) return existing;
    const { fs, root } = this.#ctx;
    const dir = join(root, id);
    if (!(await pathExists(fs, dir))) throw new DraftError('not-found', `The draft “${id}” is not in the library any more.`, dir);
    await removeStaleTemps(fs, dir);
    const { meta, problems, corrupt } = await readMeta(fs, root, id, nowIso(this.#ctx));
    const { text, disk } = await readText(fs, root, id);
    if (!disk) problems.push('text.md was missing; the draft starts empty');
    meta.modelSpans = normalizeSpans(meta.modelSpans, text.length);
    const b = newBuffer(id, text, meta, disk);
    b.problems = problems;
    b.corruptMeta = corrupt;
    b.wordsAtOpen = countWords(text);
    await this.#readSeries(b);
    // Another call may have opened it while we read.
    return this.#buffers.get(id) ?? this.adopt(b);
  }

  /**
   * Reads the lorebook of the draft's series if no open draft has yet (a draft recovered from the journal is built
   * without `load`). A damaged series file costs the draft nothing: it opens with its own lorebook and says why.
   */
  async #readSeries(b: DraftBuffer): Promise<void> {
    if (b.meta.series === null || this.series.cached(b.meta.series)) return;
    try {
      await this.series.read(b.meta.series);
    } catch (err) {
      const message = toDraftError(err, 'read the series').message;
      if (!b.problems.includes(message)) b.problems.push(message);
    }
  }

  /** Takes a buffer built elsewhere (recovery) into the open set, watched and, if dirty, on its way to the disk. */
  adopt(b: DraftBuffer): DraftBuffer {
    this.#buffers.set(b.id, b);
    this.#startWatching(b);
    if (b.dirty && !b.conflict) this.#autosave.changed(b.id);
    return b;
  }

  /** Saves and forgets the buffer. Throws (and keeps the buffer) if the save fails. */
  async close(id: string): Promise<void> {
    const b = this.#buffers.get(checkId(id));
    if (!b) return;
    await this.save(id);
    this.#autosave.cancel(id);
    this.#journaling.cancel(id);
    b.watcher?.close();
    this.#buffers.delete(id);
  }

  /**
   * The editor's text changed: small changes against the text held here, or the whole text. Model-written
   * spans and the cursor come in the same edit, so a crash can never keep the one without the other.
   * Cheap: the journal and the save follow on their own timers.
   */
  edit(id: string, edit: DraftEdit, extra: { modelSpans?: readonly ModelSpan[]; cursor?: DraftCursor } = {}): void {
    const b = this.buffer(id);
    let text: string;
    if (edit.kind === 'text') text = edit.text;
    else {
      text = applyTextChanges(b.text, edit.changes);
      if (text.length !== edit.length) throw new Error('out of sync: send the whole text');
    }
    b.text = text;
    if (extra.modelSpans) b.meta.modelSpans = normalizeSpans(extra.modelSpans, text.length);
    if (extra.cursor) b.meta.cursor = extra.cursor;
    this.markDirty(b, true);
  }

  /** Replaces the whole text from inside the library (a restored snapshot). */
  replaceText(b: DraftBuffer, text: string, modelSpans: readonly ModelSpan[]): void {
    b.text = text;
    b.meta.modelSpans = normalizeSpans(modelSpans, text.length);
    this.markDirty(b, true);
  }

  setMemory(id: string, memory: string): void {
    const b = this.buffer(id);
    b.meta.memory = memory;
    this.markDirty(b, false);
  }

  setSuggestionMode(id: string, mode: DraftSuggestionMode): void {
    const b = this.buffer(id);
    b.meta.suggestionMode = mode;
    this.markDirty(b, false);
  }

  setNote(id: string, note: AuthorNote): void {
    const b = this.buffer(id);
    b.meta.note = note;
    this.markDirty(b, false);
  }

  /**
   * A draft in a series writes the series file (every draft of the series then uses it); one that is not keeps
   * the lorebook in its draft.json. A series file that cannot be read is never overwritten: the error says why.
   */
  async setLorebook(id: string, lorebook: Lorebook): Promise<void> {
    const b = this.buffer(id);
    const series = b.meta.series;
    if (series === null) {
      b.meta.lorebook = lorebook;
      this.markDirty(b, false);
      return;
    }
    await this.series.read(series);
    await this.series.write(series, lorebook);
    this.#ctx.events.emit({ type: 'series-lorebook', id, series, lorebook });
  }

  /**
   * Puts a draft in a series, or (null) takes it out. Joining a series that has a file uses its lorebook; joining
   * a new one creates it from the lorebook the draft uses now. The draft's own lorebook stays in draft.json
   * untouched, so leaving gives it back, unless `copyLorebook` asks to copy the series' lorebook into it.
   */
  async setSeries(id: string, name: string | null, opts: { copyLorebook?: boolean } = {}): Promise<OpenDraft> {
    const b = this.buffer(id);
    if (name === null) {
      if (b.meta.series === null) return this.view(b);
      if (opts.copyLorebook) b.meta.lorebook = this.lorebookOf(b);
      b.meta.series = null;
    } else {
      const clean = checkSeriesName(name);
      if (clean === b.meta.series) return this.view(b);
      const existing = await this.series.read(clean);
      if (existing === null) await this.series.write(clean, this.lorebookOf(b));
      b.meta.series = clean;
    }
    this.markDirty(b, false);
    return this.view(b);
  }

  /** Memory, note and lorebook together (a restored snapshot). */
  /** The memory, note and lorebook a draft uses now (its series' lorebook when it is in one): what a snapshot keeps. */
  storyOf(b: DraftBuffer): DraftStory {
    return { ...storyOf(b.meta), lorebook: this.lorebookOf(b) };
  }

  /** Puts back what a snapshot kept; the lorebook goes where the draft keeps its lorebook now (see setLorebook). */
  async setStory(b: DraftBuffer, story: DraftStory): Promise<void> {
    b.meta.memory = story.memory;
    b.meta.note = story.note;
    this.markDirty(b, false);
    await this.setLorebook(b.id, story.lorebook);
  }

  /** Remembered with the next save, at close and at quit; a cursor move alone does not cost a write. */
  setCursor(id: string, cursor: DraftCursor): void {
    const b = this.buffer(id);
    b.meta.cursor = cursor;
    b.cursorDirty = true;
    const last = this.#ctx.state.state.lastOpened;
    if (last?.id === id) last.cursor = cursor;
  }

  /** The draft's history tree, read from its folder the first time. */
  async history(id: string): Promise<HistoryTree> {
    const b = this.buffer(id);
    if (!b.history) {
      const { tree, problems } = await readHistory(this.#ctx.fs, this.#ctx.root, id);
      // Another call may have read it (or changed it) while we waited.
      if (!b.history) {
        b.history = tree;
        b.unreadableHistory = problems.length > 0;
        b.problems.push(...problems);
      }
    }
    return heldHistory(b);
  }

  /**
   * Applies the renderer's history operations (see common/history.ts) to the tree held here. History changes
   * are counted apart from the text: the journal and autosave write history.json, not the whole text again.
   */
  async editHistory(id: string, ops: readonly HistoryOp[]): Promise<void> {
    const b = this.buffer(id);
    await this.history(id);
    b.history = applyHistoryOps(heldHistory(b), ops);
    b.historyVersion++;
    this.#journaling.changed(b.id);
    this.#autosave.changed(b.id);
  }

  /** A history tree recovered from the journal: held unsaved (it is already in the journal), on its way to the disk. */
  adoptHistory(id: string, history: HistoryTree): void {
    const b = this.buffer(id);
    b.history = history;
    b.historyVersion++;
    b.historyJournaledVersion = b.historyVersion;
    this.#autosave.changed(b.id);
  }

  markDirty(b: DraftBuffer, text: boolean): void {
    b.version++;
    b.dirty = true;
    if (text) b.textDirty = true;
    this.#journaling.changed(b.id);
    this.#autosave.changed(b.id);
  }

  /** Saves now (blur, close, quit, Ctrl+S). Throws a DraftError the UI shows; the text stays in memory and the journal. */
  async save(id: string, opts: { recreateFolder?: boolean } = {}): Promise<void> {
    const b = this.buffer(id);
    const { fs, root } = this.#ctx;
    if (opts.recreateFolder) {
      await fs.mkdir(join(root, id)).catch((err: unknown) => {
        throw toDraftError(err, `recreate the folder for “${b.meta.title}”`, join(root, id));
      });
    }
    if (b.cursorDirty && !b.dirty) {
      b.dirty = true;
      this.#autosave.changed(id);
    }
    await this.#autosave.flush(id);
    // flush() only runs scheduled work; make the failure visible to this caller too.
    if ((b.dirty && !b.conflict) || historyUnsaved(b)) await this.#persist(id);
    // Close and quit must not mistake "waiting for the writer's choice" for "saved".
    if (b.conflict && b.dirty) {
      throw new DraftError(
        'conflict',
        `“${b.meta.title}” was changed by another program while you were editing it. Choose which version to keep; your text is safe in Kaituhi and in its recovery journal.`,
        textPath(root, id),
      );
    }
  }

  /**
   * What the watcher calls on every event: a change already seen, or one of our own writes, reads as
   * unchanged. A clean buffer is reloaded; a dirty one is never overwritten, it becomes a conflict.
   */
  async checkOutside(id: string): Promise<OutsideChange> {
    const b = this.#buffers.get(checkId(id));
    if (!b) return { kind: 'unchanged' };
    const look = await lookAtDisk(this.#ctx.fs, this.#ctx.root, b).catch(() => ({ kind: 'known' }) as const);
    if (look.kind === 'known') return { kind: 'unchanged' };
    if (look.kind === 'missing') {
      if (b.disk === null) return { kind: 'unchanged' };
      this.#ctx.events.emit({ type: 'deleted-outside', id });
      return { kind: 'deleted' };
    }
    if (b.conflict?.hash === look.state.hash) return { kind: 'conflict', diskText: look.text };
    if (b.dirty && b.textDirty) {
      b.conflict = { ...look.state, text: look.text };
      this.#ctx.events.emit({ type: 'conflict', id, diskText: look.text });
      return { kind: 'conflict', diskText: look.text };
    }
    b.meta.modelSpans = remapSpans(b.meta.modelSpans, b.text, look.text);
    b.text = look.text;
    b.disk = look.state;
    b.conflict = null;
    this.#ctx.events.emit({ type: 'reloaded', id, text: look.text });
    return { kind: 'reloaded', text: look.text };
  }

  /** What exports need: the current text (unsaved edits included), spans and title. */
  async exportSource(id: string): Promise<{ title: string; text: string; modelSpans: ModelSpan[] }> {
    const b = await this.load(checkId(id));
    return { title: b.meta.title, text: b.text, modelSpans: b.meta.modelSpans.map((s) => ({ ...s })) };
  }

  /** Saves every open draft, all of them open still. Returns those that could not be saved (their text is in the journal). */
  async saveAll(doing = 'save'): Promise<{ failed: { id: string; error: DraftError }[] }> {
    const failed: { id: string; error: DraftError }[] = [];
    for (const id of this.ids()) {
      try {
        await this.save(id);
      } catch (err) {
        failed.push({ id, error: toDraftError(err, doing) });
        await this.#writeJournal(id).catch(() => undefined);
      }
    }
    return { failed };
  }

  /** Saves everything and stops watching. Returns the drafts that could not be saved (their text is in the journal). */
  async shutdown(): Promise<{ failed: { id: string; error: DraftError }[] }> {
    const { failed } = await this.saveAll('save before quitting');
    this.#autosave.dispose();
    this.#journaling.dispose();
    for (const b of this.#buffers.values()) b.watcher?.close();
    this.#buffers.clear();
    return { failed };
  }

  async #writeJournal(id: string): Promise<void> {
    const b = this.#buffers.get(id);
    if (!b) return;
    if (b.dirty && b.journaledVersion !== b.version) await this.#journalText(b);
    if (b.history && historyUnsaved(b) && b.historyJournaledVersion !== b.historyVersion) await this.#journalHistory(b, b.history);
  }

  async #journalText(b: DraftBuffer): Promise<void> {
    const version = b.version;
    try {
      await this.#journal.write({
        version: 1,
        id: b.id,
        title: b.meta.title,
        text: b.text,
        memory: b.meta.memory,
        note: b.meta.note,
        lorebook: b.meta.lorebook,
        baseHash: b.disk?.hash ?? null,
        modelSpans: b.meta.modelSpans,
        written: nowIso(this.#ctx),
      });
      b.journaledVersion = Math.max(b.journaledVersion, version);
    } catch (err) {
      throw this.#journalFailed(b, err);
    }
  }

  async #journalHistory(b: DraftBuffer, history: HistoryTree): Promise<void> {
    const version = b.historyVersion;
    try {
      await this.#journal.writeHistory({ id: b.id, tree: history, written: nowIso(this.#ctx) });
      b.historyJournaledVersion = Math.max(b.historyJournaledVersion, version);
    } catch (err) {
      throw this.#journalFailed(b, err);
    }
  }

  #journalFailed(b: DraftBuffer, err: unknown): DraftError {
    const error = toDraftError(err, 'write the recovery journal');
    this.#ctx.events.emit({ type: 'journal-failed', id: b.id, error });
    return error;
  }

  /** Journal, check for an outside edit, write text.md, draft.json and history.json, then clear the journal. */
  async #persist(id: string): Promise<void> {
    const b = this.#buffers.get(id);
    if (!b || (!b.dirty && !historyUnsaved(b))) return;
    // Journal first: if this save dies halfway, recovery has the text. A journal failure alone does not stop the save.
    await this.#writeJournal(id).catch(() => undefined);
    if (b.dirty && !b.conflict) await this.#persistText(b);
    // The history is not text.md: an outside edit waiting for the writer does not hold it back.
    await this.#persistHistory(b);
  }

  async #persistHistory(b: DraftBuffer): Promise<void> {
    const history = b.history;
    if (!history || !historyUnsaved(b)) return;
    const { fs, root, clock, events } = this.#ctx;
    const version = b.historyVersion;
    try {
      await writeHistory(fs, root, b.id, history, b.unreadableHistory, clock.now());
    } catch (err) {
      const error = toDraftError(err, `save the history of “${b.meta.title}”`, join(root, b.id));
      events.emit({ type: 'save-failed', id: b.id, error });
      throw error;
    }
    b.unreadableHistory = false;
    b.historySavedVersion = version;
    if (b.historyVersion === version) {
      await this.#journal.removeHistory(b.id).catch(() => undefined);
      b.historyJournaledVersion = version;
    }
  }

  async #persistText(b: DraftBuffer): Promise<void> {
    const id = b.id;
    const { fs, root, clock, events } = this.#ctx;
    const version = b.version;
    const text = b.text;
    const now = clock.now();
    const words = countWords(text);
    try {
      if (b.textDirty) {
        const look = await lookAtDisk(fs, root, b);
        if (look.kind === 'changed') {
          b.conflict = { ...look.state, text: look.text };
          events.emit({ type: 'conflict', id, diskText: look.text });
          return;
        }
        // Registered before the write: the watcher can report our rename before atomicWrite returns.
        const hash = sha256(text);
        b.ownHashes = [hash, ...b.ownHashes.filter((h) => h !== hash)].slice(0, 4);
        const written = await atomicWrite(fs, textPath(root, id), text, { within: root });
        b.disk = { hash: written.hash, mtimeMs: written.mtimeMs, size: written.size };
      }
      const day = localDay(now);
      b.meta.wordHistory[day] = { start: wordsAtStartOf(b, day), end: words };
      b.meta.modified = new Date(now).toISOString();
      await writeMeta(fs, root, id, b.meta, b.corruptMeta, now);
      b.corruptMeta = false;
    } catch (err) {
      const error = toDraftError(err, `save “${b.meta.title}”`, join(root, id));
      events.emit({ type: 'save-failed', id, error });
      throw error;
    }
    b.cursorDirty = false;
    if (b.version === version) {
      b.dirty = false;
      b.textDirty = false;
      b.recovered = false;
      await this.#journal.remove(id).catch(() => undefined);
      b.journaledVersion = b.version;
    }
    // Counted from the text just written: an edit that arrived during the save shows at the next one.
    events.emit({ type: 'saved', id, summary: summaryOf(b, words) });
  }

  #startWatching(b: DraftBuffer): void {
    if (!this.#watchFolder) return;
    try {
      b.watcher = this.#watchFolder(join(this.#ctx.root, b.id), () => {
        void this.checkOutside(b.id).catch(() => undefined);
      });
    } catch {
      // No watcher (folder gone, or a platform limit): the check before each save still guards the file.
      b.watcher = null;
    }
  }
}

/** The tree held in a buffer whose history has been read. */
function heldHistory(b: DraftBuffer): HistoryTree {
  if (!b.history) throw new Error(`the history of “${b.id}” has not been read`);
  return b.history;
}

function historyUnsaved(b: DraftBuffer): boolean {
  return b.history !== null && b.historySavedVersion !== b.historyVersion;
}
