import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  DraftLibrary,
  exportDraft as makeExport,
  exportHtmlString,
  type DraftEvent,
  type DraftLibraryOptions,
  type OpenDraft,
  type PrintHtmlToPdf,
} from '../drafts/index.js';
import type { DraftExportOptions } from '../shared/calls/drafts.js';
import type { DraftExportResult, DraftPush, DraftsStartup, ExportFormat } from '../shared/drafts-api.js';
import { withoutForbiddenCharacters } from '../common/drafts.js';
import { writeJsonAtomic } from '../disk/json-file.js';
import { sha256 } from '../disk/sha256.js';
import { errorMessage } from '../common/error-message.js';
import { promptStart } from '../common/prompt-window.js';
import type { AuthorNote, Lorebook } from '../common/lore.js';
import { exportLorebook, LOREBOOK_EXTENSIONS, type LorebookFormat } from '../common/lore-formats.js';

export interface DraftsServiceOptions {
  /** The app's user-data folder: the default library lives in it, and so do every library's journal and state. */
  userDataDir: string;
  /** `--library DIR`: this launch's library, over the remembered choice. */
  libraryDirOverride?: string | null;
  /** Electron prints the HTML export with printToPDF; server mode has no printer and lets the browser print. */
  printHtmlToPdf?: PrintHtmlToPdf;
  /**
   * Told when a draft opens, with the text before its cursor and its memory: the app warms the engine's
   * prefix cache with it, so the first suggestion does not pay a cold prefill of the whole window.
   */
  onDraftOpened?: (opened: { textBeforeCursor: string; memory: string; note: AuthorNote; lorebook: Lorebook }) => void;
  /** Electron's save dialog for exports; without it (server mode) exports go back to the page as downloads. */
  saveExport?: SaveExport;
  /** Tests shorten or lengthen the timers and turn the watcher off. */
  library?: Pick<DraftLibraryOptions, 'autosaveDelayMs' | 'autosaveMaxDelayMs' | 'journalDelayMs' | 'watch' | 'fs'>;
}

/** What the save dialog saves: a draft in one of its export formats, or a lorebook. */
export type SavedFileType = ExportFormat | 'lorebook';

/** Electron's save dialog: main asks the writer where, writes the bytes, and returns the path (null if cancelled). */
export type SaveExport = (suggestedName: string, format: SavedFileType, bytes: Uint8Array) => Promise<string | null>;

const LOCATION_FILE = 'drafts-location.json';

export function defaultLibraryDir(userDataDir: string): string {
  return join(userDataDir, 'Drafts');
}

/**
 * Journal and state for one library, kept under user data (not inside the library) so that deleting or
 * unplugging the library folder cannot take the unsaved text with it. One folder per library, so two
 * libraries never replay each other's journal.
 */
export function stateDirFor(userDataDir: string, libraryDir: string): string {
  const key = sha256(resolve(libraryDir)).slice(0, 16);
  return join(userDataDir, 'drafts-state', key);
}

/**
 * The drafts library as the API sees it: owns one `DraftLibrary` (which the writer may move to another
 * folder), turns library events into pushes for every window, and makes exports.
 */
export class DraftsService {
  #library: DraftLibrary | null = null;
  #startup: DraftsStartup = {
    libraryDir: null,
    recovered: [],
    lastOpened: null,
    problems: [],
    problem: 'The drafts library is still starting.',
  };
  readonly #listeners = new Set<(event: DraftPush) => void>();
  #unsubscribe: (() => void) | null = null;

  constructor(readonly options: DraftsServiceOptions) {}

  get startup(): DraftsStartup {
    return this.#startup;
  }

  /** Opens the library and replays the journal; never throws (a failure becomes `startup.problem`). */
  async boot(): Promise<DraftsStartup> {
    const libraryDir =
      this.options.libraryDirOverride ?? (await this.#rememberedLibraryDir()) ?? defaultLibraryDir(this.options.userDataDir);
    return this.#open(libraryDir);
  }

  /** Saves every open draft (what cannot be saved stays in the journal) and lets go of the library. */
  async shutdown(): Promise<{ failed: string[] }> {
    const library = this.#library;
    this.#library = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (!library) return { failed: [] };
    const { failed } = await library.shutdown();
    return { failed: failed.map((f) => f.error.message) };
  }

  /**
   * The writer chose another library folder (Electron's dialog): close this one, open that one, remember it.
   * Everything that can fail before the switch (saving the open drafts, remembering the choice) runs while this
   * library is still open, so a failure keeps it open and in use, as the error says.
   */
  async relocate(libraryDir: string): Promise<DraftsStartup> {
    // A library that did not open (the reason a writer picks another) has nothing to save.
    const { failed } = this.#library ? await this.#library.buffers.saveAll('save before changing the library') : { failed: [] };
    if (failed.length > 0) throw new Error(`Kept the current library: ${failed[0]!.error.message}`);
    try {
      await writeJsonAtomic(join(this.options.userDataDir, LOCATION_FILE), { libraryDir });
    } catch (error) {
      throw new Error(`Kept the current library: the choice could not be remembered (${errorMessage(error)}).`, { cause: error });
    }
    await this.shutdown();
    const startup = await this.#open(libraryDir);
    this.#emit({ kind: 'library-changed', startup });
    return startup;
  }

  onEvent(listener: (event: DraftPush) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get library(): DraftLibrary {
    if (!this.#library) throw new Error(this.#startup.problem ?? 'The drafts library is not open.');
    return this.#library;
  }

  /** Opens a draft for the editor, and lets the engine warm its cache with it. */
  async open(id: string): Promise<OpenDraft> {
    const draft = await this.library.buffers.open(id);
    const cursor = Math.min(draft.cursor?.offset ?? draft.text.length, draft.text.length);
    // The very end the editor will send as its prompt, so the engine caches what the first suggestion reuses.
    this.options.onDraftOpened?.({
      textBeforeCursor: draft.text.slice(promptStart(cursor), cursor),
      memory: draft.memory,
      note: draft.note,
      lorebook: draft.lorebook,
    });
    return draft;
  }

  /**
   * Makes an export and delivers it. Electron: main's save dialog writes the file. Server mode: the bytes go
   * back to the page, which hands them to the browser's own download, and a PDF is the browser's own print of
   * the HTML export (the server never writes to a path the page chose).
   */
  async exportDraft(id: string, format: ExportFormat, options: DraftExportOptions): Promise<DraftExportResult> {
    const source = await this.library.buffers.exportSource(id);
    const exportOptions = {
      chapterBreaks: options.chapterBreaks,
      modelSpans: options.modelSpans,
      ...(options.title ? { title: options.title } : {}),
      ...(options.author ? { author: options.author } : {}),
    };
    const fileName = `${safeFileStem(options.title?.trim() || source.title)}.${format}`;
    const printer = this.options.printHtmlToPdf;
    if (format === 'pdf' && !printer) return { kind: 'print', fileName, html: exportHtmlString(source, exportOptions) };
    const made = await makeExport(format, source, exportOptions, printer ? { printHtmlToPdf: printer } : {});
    const saveExport = this.options.saveExport;
    if (saveExport) {
      const path = await saveExport(fileName, format, made.bytes);
      return path === null ? { kind: 'cancelled' } : { kind: 'saved', fileName: basename(path) };
    }
    return { kind: 'download', fileName, mimeType: made.mimeType, base64: Buffer.from(made.bytes).toString('base64') };
  }

  /** The draft's lorebook as a file in another tool's format (or Kaituhi's), delivered as exports are. */
  async exportLorebook(id: string, format: LorebookFormat): Promise<DraftExportResult> {
    const b = await this.library.buffers.load(id);
    const fileName = `${safeFileStem(b.meta.title)} lore${LOREBOOK_EXTENSIONS[format]}`;
    const bytes = new TextEncoder().encode(exportLorebook(this.library.buffers.lorebookOf(b), format));
    const saveExport = this.options.saveExport;
    if (saveExport) {
      const path = await saveExport(fileName, 'lorebook', bytes);
      return path === null ? { kind: 'cancelled' } : { kind: 'saved', fileName: basename(path) };
    }
    return { kind: 'download', fileName, mimeType: 'application/json', base64: Buffer.from(bytes).toString('base64') };
  }

  async #open(libraryDir: string): Promise<DraftsStartup> {
    const library = new DraftLibrary({
      root: libraryDir,
      stateDir: stateDirFor(this.options.userDataDir, libraryDir),
      ...this.options.library,
    });
    try {
      const report = await library.boot();
      this.#library = library;
      this.#unsubscribe = library.onEvent((event) => this.#relay(event));
      this.#startup = {
        libraryDir,
        recovered: report.recovered.map((r) => ({ id: r.id, title: r.title, words: r.words, conflict: r.conflict })),
        lastOpened: report.lastOpened,
        problems: [
          ...report.problems,
          ...report.unreadableJournal.map((name) => `A recovery journal entry could not be read (${name}); it was left in place.`),
        ],
        problem: null,
      };
    } catch (error) {
      this.#startup = {
        libraryDir: null,
        recovered: [],
        lastOpened: null,
        problems: [],
        problem: `The drafts library could not be opened (${libraryDir}): ${errorMessage(error)}`,
      };
    }
    return this.#startup;
  }

  #relay(event: DraftEvent): void {
    switch (event.type) {
      case 'saved':
        return this.#emit({ kind: 'saved', id: event.id, summary: event.summary });
      case 'save-failed':
        return this.#emit({ kind: 'save-failed', id: event.id, message: event.error.message });
      case 'journal-failed':
        return this.#emit({ kind: 'journal-failed', id: event.id, message: event.error.message });
      case 'reloaded':
        return this.#emit({ kind: 'reloaded', id: event.id, text: event.text });
      case 'conflict':
        return this.#emit({ kind: 'conflict', id: event.id, diskText: event.diskText });
      case 'deleted-outside':
        return this.#emit({ kind: 'deleted-outside', id: event.id });
      case 'series-lorebook':
        return this.#emit({ kind: 'series-lorebook', id: event.id, series: event.series, lorebook: event.lorebook });
    }
  }

  #emit(event: DraftPush): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // One window's broken listener must not keep the others from hearing about a save.
      }
    }
  }

  async #rememberedLibraryDir(): Promise<string | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.options.userDataDir, LOCATION_FILE), 'utf8'));
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'libraryDir' in parsed &&
        typeof parsed.libraryDir === 'string' &&
        parsed.libraryDir.length > 0
      ) {
        return parsed.libraryDir;
      }
    } catch {
      // No choice remembered (or an unreadable one): the default library is the safe answer.
    }
    return null;
  }
}

/** A suggested file name, not a path: no separators, no characters Windows refuses. */
export function safeFileStem(title: string): string {
  const stem = withoutForbiddenCharacters(title).replace(/\s+/g, ' ').trim().replace(/^\.+/, '').slice(0, 120);
  return stem || 'Untitled';
}
