import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { atomicWrite } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import type { DiskFs } from '../disk/fs-layer.js';
import { DraftError, toDraftError } from './errors.js';
import { SNAPSHOT_ID } from '../common/drafts.js';
import { countWords } from '../common/word-count.js';
import { compactTimestamp, timestampIn } from './clock.js';
import { draftStorySchema, type DraftStory } from './metadata.js';

const SNAPSHOT_REASONS = ['manual', 'before-restore', 'before-bulk-change', 'outside-edit', 'before-reload'] as const;
export type SnapshotReason = (typeof SNAPSHOT_REASONS)[number];

export interface SnapshotInfo {
  id: string;
  name: string;
  created: string;
  reason: SnapshotReason;
  words: number;
}

const infoSchema = z.object({
  name: z.string(),
  created: z.iso.datetime(),
  reason: z.enum(SNAPSHOT_REASONS),
  words: z.number().int().nonnegative(),
});
/** The sidecar also keeps the memory, note and lorebook of the moment, so a restore brings them back too. */
const storySidecarSchema = z.object({ story: draftStorySchema });

/**
 * Named versions inside the draft's own folder (snapshots/<id>.md plus a small .json), so they travel
 * with the draft and a writer can open any of them in a text editor.
 */
export class Snapshots {
  readonly #fs: DiskFs;
  /** The library: snapshots are written only inside it (see atomicWrite's `within`). */
  readonly #root: string;

  constructor(fs: DiskFs, root: string) {
    this.#fs = fs;
    this.#root = root;
  }

  #dir(draftDir: string): string {
    return join(draftDir, 'snapshots');
  }

  async create(
    draftDir: string,
    text: string,
    name: string,
    reason: SnapshotReason,
    nowMs: number,
    story?: DraftStory,
  ): Promise<SnapshotInfo> {
    const created = new Date(nowMs).toISOString();
    const id = `${compactTimestamp(nowMs)}-${randomBytes(2).toString('hex')}`;
    const info: SnapshotInfo = { id, name: name.trim() || 'Snapshot', created, reason, words: countWords(text) };
    const dir = this.#dir(draftDir);
    try {
      await this.#fs.mkdir(dir);
      // Text first: an orphan .md is still a readable version, an orphan .json is not.
      await atomicWrite(this.#fs, join(dir, `${id}.md`), text, { within: this.#root });
      await atomicWrite(
        this.#fs,
        join(dir, `${id}.json`),
        JSON.stringify({ name: info.name, created, reason, words: info.words, ...(story ? { story } : {}) }, null, 2),
        {
          within: this.#root,
        },
      );
    } catch (err) {
      throw toDraftError(err, `save the snapshot “${info.name}”`, dir);
    }
    return info;
  }

  async list(draftDir: string): Promise<SnapshotInfo[]> {
    const dir = this.#dir(draftDir);
    let names: string[];
    try {
      names = await this.#fs.readdir(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw toDraftError(err, 'list snapshots', dir);
    }
    const out: SnapshotInfo[] = [];
    for (const file of names) {
      if (!file.endsWith('.md')) continue;
      const id = file.slice(0, -3);
      if (!SNAPSHOT_ID.test(id)) continue;
      out.push(await this.#readInfo(dir, id));
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  async #readInfo(dir: string, id: string): Promise<SnapshotInfo> {
    try {
      const parsed = infoSchema.safeParse(JSON.parse((await this.#fs.readFile(join(dir, `${id}.json`))).toString('utf8')));
      if (parsed.success) return { id, ...parsed.data };
    } catch {
      // A missing or damaged sidecar must not hide the version itself; rebuild what we can below.
    }
    const text = (await this.#fs.readFile(join(dir, `${id}.md`))).toString('utf8');
    const created = timestampIn(id) ?? new Date(0).toISOString();
    return { id, name: 'Snapshot', created, reason: 'manual', words: countWords(text) };
  }

  /** The memory, note and lorebook a snapshot kept; null for one taken without them (or a damaged sidecar). */
  async readStory(draftDir: string, id: string): Promise<DraftStory | null> {
    if (!SNAPSHOT_ID.test(id)) return null;
    try {
      const raw: unknown = JSON.parse((await this.#fs.readFile(join(this.#dir(draftDir), `${id}.json`))).toString('utf8'));
      return storySidecarSchema.safeParse(raw).data?.story ?? null;
    } catch {
      return null;
    }
  }

  async read(draftDir: string, id: string): Promise<string> {
    if (!SNAPSHOT_ID.test(id)) throw new DraftError('invalid-id', `“${id}” is not a snapshot name.`);
    const path = join(this.#dir(draftDir), `${id}.md`);
    try {
      return (await this.#fs.readFile(path)).toString('utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new DraftError('not-found', 'That snapshot no longer exists.', path, { cause: err });
      throw toDraftError(err, 'read the snapshot', path);
    }
  }
}
