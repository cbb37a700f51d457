/** One draft on disk: a folder named by its id, holding text.md and draft.json. */
import { join } from 'node:path';
import { draftIdProblem, isReservedFileName, withoutForbiddenCharacters } from '../common/drafts.js';
import { atomicWrite, readWithState } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import type { DiskFs } from '../disk/fs-layer.js';
import { compactTimestamp } from './clock.js';
import { DraftError, toDraftError } from './errors.js';
import { defaultMeta, parseMeta, type DraftMeta } from './metadata.js';

export const TEXT_FILE = 'text.md';
export const META_FILE = 'draft.json';

/** What we last knew of text.md on disk; compared with a fresh stat/hash to notice outside changes. */
export interface DiskState {
  hash: string;
  mtimeMs: number;
  size: number;
}

/** Draft ids are folder names and arrive from the renderer, so they are checked before they touch a path. */
export function checkId(id: unknown): string {
  if (draftIdProblem(id) !== null) throw new DraftError('invalid-id', `“${String(id)}” is not a draft in this library.`);
  return id as string;
}

/**
 * A file name may hold 255 bytes. An id is its slug, a 7-byte suffix and, in the trash, 20 bytes more; a
 * Chinese character takes 3 bytes and an emoji 4, so the slug is cut by bytes as well as by characters.
 */
const SLUG_MAX_CHARS = 60;
const SLUG_MAX_BYTES = 150;
const utf8 = new TextEncoder();

function truncateName(name: string): string {
  let out = '';
  let bytes = 0;
  // By code point: cutting a surrogate pair in half would name the folder with a character that is not there.
  for (const ch of Array.from(name).slice(0, SLUG_MAX_CHARS)) {
    bytes += utf8.encode(ch).byteLength;
    if (bytes > SLUG_MAX_BYTES) break;
    out += ch;
  }
  return out;
}

/** The readable part of a new draft's id (a random suffix follows it, so it never ends in a dot or space). */
export function slugify(title: string): string {
  const spaced = withoutForbiddenCharacters(title.normalize('NFKC')).trim().replace(/\s+/g, '-').replace(/^\.+/, '');
  const slug = truncateName(spaced);
  if (!slug) return 'draft';
  // "Con. A story" would give "Con.-A-story-…", a device name on Windows.
  return isReservedFileName(`${slug}-x`) ? `_${slug}` : slug;
}

export function textPath(root: string, id: string): string {
  return join(root, id, TEXT_FILE);
}
export function metaPath(root: string, id: string): string {
  return join(root, id, META_FILE);
}

export interface LoadedMeta {
  meta: DraftMeta;
  problems: string[];
  /** draft.json existed but was unreadable: keep a copy before we overwrite it. */
  corrupt: boolean;
}

export async function readMeta(fs: DiskFs, root: string, id: string, nowIso: string): Promise<LoadedMeta> {
  const fallback = defaultMeta(id, nowIso);
  let raw: string;
  try {
    raw = (await fs.readFile(metaPath(root, id))).toString('utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) {
      // A folder a writer made by hand: fine, the folder name is the title until they rename it.
      try {
        const st = await fs.stat(textPath(root, id));
        const created = new Date(st.birthtimeMs || st.mtimeMs).toISOString();
        return { meta: { ...fallback, created, modified: new Date(st.mtimeMs).toISOString() }, problems: [], corrupt: false };
      } catch {
        return { meta: fallback, problems: [], corrupt: false };
      }
    }
    return { meta: fallback, problems: [toDraftError(err, 'read draft.json', metaPath(root, id)).message], corrupt: false };
  }
  const { meta, problems } = parseMeta(raw, fallback);
  return { meta, problems, corrupt: problems.length > 0 };
}

export async function writeMeta(
  fs: DiskFs,
  root: string,
  id: string,
  meta: DraftMeta,
  preserveCorrupt: boolean,
  nowMs: number,
): Promise<void> {
  const path = metaPath(root, id);
  if (preserveCorrupt) {
    await fs.rename(path, `${path}.corrupt-${compactTimestamp(nowMs)}`).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
  await atomicWrite(fs, path, `${JSON.stringify(meta, null, 2)}\n`, { within: root });
}

/** text.md as text plus its disk state; a missing text.md reads as empty (and null state) so the draft still opens. */
export async function readText(fs: DiskFs, root: string, id: string): Promise<{ text: string; disk: DiskState | null }> {
  try {
    const { text, hash, mtimeMs, size } = await readWithState(fs, textPath(root, id));
    return { text, disk: { hash, mtimeMs, size } };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { text: '', disk: null };
    throw toDraftError(err, `open the draft “${id}”`, textPath(root, id));
  }
}

export async function pathExists(fs: DiskFs, path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw toDraftError(err, 'look at the library folder', path);
  }
}
