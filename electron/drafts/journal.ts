import { join } from 'node:path';
import { atomicWrite } from './atomic-write.js';
import { isErrno, toDraftError } from './errors.js';
import type { DraftFs } from './fs-layer.js';
import { journalEntrySchema, type JournalEntry } from './metadata.js';

/**
 * Unsaved buffers, one file per draft, kept outside the draft folder so that a deleted draft folder
 * does not take the unsaved text with it. Each entry is written atomically: a crash leaves the previous
 * entry or the new one, never a torn file that recovery would have to guess at.
 */
export class Journal {
  constructor(
    private readonly fs: DraftFs,
    readonly dir: string,
  ) {}

  private pathFor(id: string): string {
    return join(this.dir, `${encodeURIComponent(id)}.json`);
  }

  async write(entry: JournalEntry): Promise<void> {
    try {
      await this.fs.mkdir(this.dir);
      await atomicWrite(this.fs, this.pathFor(entry.id), JSON.stringify(entry), 0o600);
    } catch (err) {
      throw toDraftError(err, `write the recovery journal for “${entry.title}”`, this.dir);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.fs.unlink(this.pathFor(id));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw toDraftError(err, 'clear the recovery journal', this.pathFor(id));
    }
  }

  /** Every readable entry, plus the files that could not be read (kept on disk for a human to inspect). */
  async readAll(): Promise<{ entries: JournalEntry[]; unreadable: string[] }> {
    let names: string[];
    try {
      names = await this.fs.readdir(this.dir);
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
        const parsed = journalEntrySchema.safeParse(JSON.parse((await this.fs.readFile(path)).toString('utf8')));
        if (parsed.success) entries.push(parsed.data);
        else unreadable.push(path);
      } catch {
        unreadable.push(path);
      }
    }
    return { entries, unreadable };
  }
}
