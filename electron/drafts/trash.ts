/** The library's trash: draft folders moved into .trash/ under "<id>~<when>", restorable until deleted for good. */
import { join } from 'node:path';
import { isErrno } from '../disk/errno.js';
import type { LibraryParts } from './catalog.js';
import { compactTimestamp, timestampIn } from './clock.js';
import type { DraftSummary } from './context.js';
import { checkId, pathExists, readMeta } from './draft-folder.js';
import { DraftError, toDraftError } from './errors.js';

export const TRASH_DIR = '.trash';

export interface TrashedDraft {
  trashId: string;
  id: string;
  title: string;
  trashedAt: string;
}

export class DraftTrash {
  readonly #parts: LibraryParts;

  constructor(parts: LibraryParts) {
    this.#parts = parts;
  }

  get #dir(): string {
    return join(this.#parts.ctx.root, TRASH_DIR);
  }

  /** Moves the draft folder into the trash. Saves first; refuses if that fails, so nothing unsaved goes to the trash. */
  async trash(id: string): Promise<TrashedDraft> {
    checkId(id);
    const { fs, root, clock, state } = this.#parts.ctx;
    if (this.#parts.buffers.has(id)) await this.#parts.buffers.close(id);
    const trashId = `${id}~${compactTimestamp(clock.now())}`;
    try {
      await fs.mkdir(this.#dir);
      await fs.rename(join(root, id), join(this.#dir, trashId));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new DraftError('not-found', `The draft “${id}” no longer exists.`, join(root, id), { cause: err });
      throw toDraftError(err, `move “${id}” to the trash`, join(root, id));
    }
    if (state.state.lastOpened?.id === id) {
      state.state.lastOpened = null;
      await state.write().catch(() => undefined);
    }
    return this.#entry(trashId);
  }

  async list(): Promise<TrashedDraft[]> {
    let names: string[];
    try {
      names = await this.#parts.ctx.fs.readdir(this.#dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw toDraftError(err, 'list the trash', this.#dir);
    }
    const out: TrashedDraft[] = [];
    for (const n of names) if (n.includes('~')) out.push(await this.#entry(n));
    return out.sort((a, b) => (a.trashedAt < b.trashedAt ? 1 : -1));
  }

  /** Puts a trashed draft back under its old id, or a fresh one if that id was taken meanwhile. */
  async restore(trashId: string): Promise<DraftSummary> {
    const entry = await this.#entry(checkId(trashId));
    const { fs, root } = this.#parts.ctx;
    const id = (await pathExists(fs, join(root, entry.id))) ? await this.#parts.catalog.freshId(entry.title) : entry.id;
    try {
      await fs.rename(join(this.#dir, trashId), join(root, id));
    } catch (err) {
      if (isErrno(err, 'ENOENT'))
        throw new DraftError('not-found', 'That draft is no longer in the trash.', join(this.#dir, trashId), { cause: err });
      throw toDraftError(err, `restore “${entry.title}”`, join(this.#dir, trashId));
    }
    return this.#parts.catalog.summary(id);
  }

  async deleteForever(trashId: string): Promise<void> {
    checkId(trashId);
    try {
      await this.#parts.ctx.fs.rm(join(this.#dir, trashId));
    } catch (err) {
      throw toDraftError(err, 'empty the trash', join(this.#dir, trashId));
    }
  }

  async #entry(trashId: string): Promise<TrashedDraft> {
    const cut = trashId.lastIndexOf('~');
    const id = cut > 0 ? trashId.slice(0, cut) : trashId;
    const trashedAt = (cut > 0 ? timestampIn(trashId.slice(cut + 1)) : null) ?? new Date(0).toISOString();
    const { meta } = await readMeta(this.#parts.ctx.fs, this.#dir, trashId, trashedAt);
    return { trashId, id, title: meta.title === trashId ? id : meta.title, trashedAt };
  }
}
