import { join } from 'node:path';
import { atomicWrite } from '../disk/atomic-write.js';
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
    const path = join(this.dir, journalFileName(id));
    try {
      await this.#fs.unlink(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw toDraftError(err, 'clear the recovery journal', path);
    }
    // An entry an older version wrote (its name may be too long to exist at all).
    await this.#fs.unlink(join(this.dir, legacyFileName(id))).catch(() => undefined);
  }

  /** Every readable entry, plus the files that could not be read (kept on disk for a human to inspect). */
  async readAll(): Promise<{ entries: JournalEntry[]; unreadable: string[] }> {
    let names: string[];
    try {
      names = await this.#fs.readdir(this.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { entries: [], unreadable: [] };
      throw toDraftError(err, 'read the recovery journal', this.dir);
    }
    const entries: JournalEntry[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const path = join(this.dir, name);
      try {
        const parsed = journalEntrySchema.safeParse(JSON.parse((await this.#fs.readFile(path)).toString('utf8')));
        if (parsed.success) entries.push(parsed.data);
        else unreadable.push(path);
      } catch {
        unreadable.push(path);
      }
    }
    return { entries, unreadable };
  }
}
