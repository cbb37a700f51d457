/** library.json, kept with the journal under user data: the last opened draft (and cursor) and the daily goal. */
import { join } from 'node:path';
import { atomicWrite } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import type { DiskFs } from '../disk/fs-layer.js';
import { toDraftError } from './errors.js';
import { libraryStateSchema, type LibraryState } from './metadata.js';

export class LibraryStateFile {
  state: LibraryState = { version: 1, lastOpened: null, dailyGoal: null };

  readonly #fs: DiskFs;

  constructor(
    fs: DiskFs,
    readonly dir: string,
  ) {
    this.#fs = fs;
  }

  get path(): string {
    return join(this.dir, 'library.json');
  }

  /** Reads the file; returns what could not be read, in words (the defaults then stand). */
  async load(): Promise<string[]> {
    try {
      const parsed = libraryStateSchema.safeParse(JSON.parse((await this.#fs.readFile(this.path)).toString('utf8')));
      if (parsed.success) this.state = parsed.data;
      else return ['library.json was damaged; the last opened draft and daily goal were reset'];
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) return ['library.json could not be read; the last opened draft and daily goal were reset'];
    }
    return [];
  }

  async write(): Promise<void> {
    try {
      await this.#fs.mkdir(this.dir);
      await atomicWrite(this.#fs, this.path, JSON.stringify(this.state, null, 2));
    } catch (err) {
      throw toDraftError(err, 'remember the library settings', this.path);
    }
  }
}
