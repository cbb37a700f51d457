/**
 * One library folder, one folder per draft (text.md + draft.json). The library is assembled from parts
 * with one job each, reached as its fields: `catalog` (list, search, create, rename, duplicate), `trash`,
 * `buffers` (the open drafts: edit, save, outside changes), `versions` (snapshots and conflict
 * choices) and `words` (counts and the daily goal). This file starts and stops them.
 */
import { join } from 'node:path';
import type { DraftCursor } from '../common/drafts.js';
import { nodeFs, type DiskFs } from '../disk/fs-layer.js';
import { DraftCatalog } from './catalog.js';
import { systemClock, type Clock } from './clock.js';
import { DraftEvents, type DraftEvent, type LibraryContext } from './context.js';
import { DraftError, toDraftError } from './errors.js';
import { Journal } from './journal.js';
import { LibraryStateFile } from './library-state.js';
import { nodeWatch, OpenBuffers, type BufferTimings, type WatchFolder } from './open-buffers.js';
import { recoverFromJournal, type RecoveredDraft } from './recovery.js';
import { DraftTrash } from './trash.js';
import { DraftVersions } from './versions.js';
import { DraftWords } from './word-stats.js';

export interface DraftLibraryOptions extends BufferTimings {
  /** The library folder the writer chose. */
  root: string;
  /** Journal and library state; default `<root>/.kaituhi`. The app passes a folder under user data, so a deleted library cannot take the journal with it. */
  stateDir?: string;
  fs?: DiskFs;
  clock?: Clock;
  /** null disables watching (tests call buffers.checkOutside directly). */
  watch?: WatchFolder | null;
}

export interface BootReport {
  recovered: RecoveredDraft[];
  /** Journal files that could not be read; left on disk for a human. */
  unreadableJournal: string[];
  lastOpened: { id: string; cursor: DraftCursor | null } | null;
  problems: string[];
}

export class DraftLibrary {
  readonly root: string;
  readonly stateDir: string;
  readonly catalog: DraftCatalog;
  readonly trash: DraftTrash;
  readonly buffers: OpenBuffers;
  readonly versions: DraftVersions;
  readonly words: DraftWords;
  readonly #ctx: LibraryContext;
  readonly #journal: Journal;
  #booted = false;

  constructor(opts: DraftLibraryOptions) {
    this.root = opts.root;
    this.stateDir = opts.stateDir ?? join(opts.root, '.kaituhi');
    const fs = opts.fs ?? nodeFs;
    this.#ctx = {
      root: opts.root,
      fs,
      clock: opts.clock ?? systemClock,
      events: new DraftEvents(),
      state: new LibraryStateFile(fs, this.stateDir),
      assertBooted: () => {
        if (!this.#booted) throw new DraftError('invalid-input', 'The drafts library has not been started (call boot() first).');
      },
    };
    this.#journal = new Journal(fs, join(this.stateDir, 'journal'));
    this.buffers = new OpenBuffers(this.#ctx, this.#journal, opts.watch === undefined ? nodeWatch : opts.watch, opts);
    this.catalog = new DraftCatalog(this.#ctx, this.buffers);
    const parts = { ctx: this.#ctx, buffers: this.buffers, catalog: this.catalog };
    this.trash = new DraftTrash(parts);
    this.versions = new DraftVersions(this.#ctx, this.buffers);
    this.words = new DraftWords(parts);
  }

  /** Creates the folders if needed, reads library.json, and replays the journal (see recovery.ts). */
  async boot(): Promise<BootReport> {
    const { fs, state } = this.#ctx;
    try {
      await fs.mkdir(this.root);
      await fs.mkdir(this.stateDir);
    } catch (err) {
      throw toDraftError(err, 'open the library folder', this.root);
    }
    const problems = await state.load();
    this.#booted = true;
    const { recovered, unreadable } = await recoverFromJournal(this.#ctx, this.#journal, this.buffers);
    return { recovered, unreadableJournal: unreadable, lastOpened: this.lastOpened(), problems };
  }

  /** Saves everything, stops watching. Returns the drafts that could not be saved (their text is in the journal). */
  async shutdown(): Promise<{ failed: { id: string; error: DraftError }[] }> {
    const result = await this.buffers.shutdown();
    await this.#ctx.state.write().catch(() => undefined);
    this.#booted = false;
    return result;
  }

  onEvent(listener: (e: DraftEvent) => void): () => void {
    return this.#ctx.events.on(listener);
  }

  lastOpened(): { id: string; cursor: DraftCursor | null } | null {
    const last = this.#ctx.state.state.lastOpened;
    if (!last) return null;
    const cursor = this.buffers.has(last.id) ? this.buffers.buffer(last.id).meta.cursor : last.cursor;
    return { id: last.id, cursor };
  }
}
