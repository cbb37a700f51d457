import { join } from 'node:path';
import { z } from 'zod';
import { historyTreeSchema, repairHistory, type HistoryTree } from '../common/history.js';
import { atomicWrite, removeStaleTemps } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import type { DiskFs } from '../disk/fs-layer.js';
import { sha256 } from '../disk/sha256.js';
import { toDraftError } from './errors.js';
import { journalEntrySchema, type JournalEntry } from './metadata.js';

/**
 * Where a draft's entry lives. Named by a hash of the id, not the id itself: an id of 42 Chinese characters
 * percent-encodes to more than the 255 bytes a file name may have, and that draft had no crash protection.
 */
export function journalFileName(id: string): string {
  return `${sha256(id)}.json`;
}

/** How entries were named before: kept only to clear them once their text is saved. */
function legacyFileName(id: string): string {
  return `${encodeURIComponent(id)}.json`;
}

/** A draft's unsaved history tree: its own file, so a suggestion shown does not rewrite the whole text's entry. */
const historyEntrySchema = z.object({ version: z.literal(1), id: z.string(), tree: historyTreeSchema, written: z.iso.datetime() });
export interface HistoryJournalEntry {
  readonly id: string;
  readonly tree: HistoryTree;
  readonly written: string;
}

/**
 * Unsaved buffers, one file per draft, kept outside the draft folder so that a deleted draft folder
 * does not take the unsaved text with it. Each entry is written atomically: a crash leaves the previous
 * entry or the new one, never a torn file that recovery would have to guess at.
 */
export class Journal {
  readonly #fs: DiskFs;

  constructor(
    fs: DiskFs,
    readonly dir: string,
  ) {
    this.#fs = fs;
  }

  async write(entry: JournalEntry): Promise<void> {
    try {
      await this.#fs.mkdir(this.dir);
      await atomicWrite(this.#fs, join(this.dir, journalFileName(entry.id)), JSON.stringify(entry));
    } catch (err) {
      throw toDraftError(err, `write the recovery journal for “${entry.title}”`, this.dir);
    }
  }

  async remove(id: string): Promise<void> {
    await this.#unlink(join(this.dir, journalFileName(id)));
    // An entry an older version wrote (its name may be too long to exist at all).
    await this.#fs.unlink(join(this.dir, legacyFileName(id))).catch(() => undefined);
  }

  /** Unsaved history trees live in a folder of their own, so `readAll` never mistakes one for a text entry. */
  get historyDir(): string {
    return join(this.dir, 'history');
  }

  async writeHistory(entry: HistoryJournalEntry): Promise<void> {
    try {
      await this.#fs.mkdir(this.historyDir);
      await atomicWrite(this.#fs, join(this.historyDir, journalFileName(entry.id)), JSON.stringify({ version: 1, ...entry }));
    } catch (err) {
      throw toDraftError(err, 'write the recovery journal of the history', this.historyDir);
    }
  }

  async removeHistory(id: string): Promise<void> {
    await this.#unlink(join(this.historyDir, journalFileName(id)));
  }

  /** Every readable history entry; an unreadable one is left on disk, as text entries are. */
  async readAllHistories(): Promise<{ entries: HistoryJournalEntry[]; unreadable: string[] }> {
    await removeStaleTemps(this.#fs, this.historyDir).catch(() => undefined);
    const { values, unreadable } = await this.#readFolder(this.historyDir, (json) => {
      const parsed = historyEntrySchema.safeParse(json);
      return parsed.success ? { id: parsed.data.id, tree: repairHistory(parsed.data.tree), written: parsed.data.written } : null;
    });
    return { entries: values, unreadable };
  }

  /** Every readable entry, plus the files that could not be read (kept on disk for a human to inspect). */
  async readAll(): Promise<{ entries: JournalEntry[]; unreadable: string[] }> {
    const { values, unreadable } = await this.#readFolder(this.dir, (json) => {
      const parsed = journalEntrySchema.safeParse(json);
      return parsed.success ? parsed.data : null;
    });
    return { entries: values, unreadable };
  }

  async #readFolder<T>(dir: string, parse: (json: unknown) => T | null): Promise<{ values: T[]; unreadable: string[] }> {
    let names: string[];
    try {
      names = await this.#fs.readdir(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { values: [], unreadable: [] };
      throw toDraftError(err, 'read the recovery journal', dir);
    }
    const values: T[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const path = join(dir, name);
      try {
        const value = parse(JSON.parse((await this.#fs.readFile(path)).toString('utf8')));
        if (value) values.push(value);
        else unreadable.push(path);
      } catch {
        unreadable.push(path);
      }
    }
    return { values, unreadable };
  }

  async #unlink(path: string): Promise<void> {
    try {
      await this.#fs.unlink(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw toDraftError(err, 'clear the recovery journal', path);
    }
  }
}
