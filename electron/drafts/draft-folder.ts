import { join } from 'node:path';
import { atomicWrite, readWithState } from './atomic-write.js';
import { DraftError, isErrno, toDraftError } from './errors.js';
import type { DraftFs } from './fs-layer.js';
import { defaultMeta, parseMeta, type DraftMeta } from './metadata.js';

export const TEXT_FILE = 'text.md';
export const META_FILE = 'draft.json';

/** What we last knew of text.md on disk; compared with a fresh stat/hash to notice outside changes. */
export interface DiskState {
  hash: string;
  mtimeMs: number;
  size: number;
}

/**
 * Draft ids are folder names and arrive from the renderer, so they are checked before they touch a path:
 * one plain path segment, not hidden (hidden folders are ours: .trash, .kaituhi).
 */
export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || id.startsWith('.') || /[/\\\0]/.test(id) || id.trim() !== id) {
    throw new DraftError('invalid-id', `“${String(id)}” is not a draft in this library.`);
  }
  return id;
}

export function slugify(title: string): string {
  // Control characters and the characters Windows forbids in file names.
  const slug = title
    .normalize('NFKC')
    // eslint-disable-next-line no-control-regex
    .replace(/[/\\:*?"<>|\0-\x1f]/g, ' ')
    .trim()
    .replace(/\s+/g, '-')
    .replace(/^\.+/, '')
    .slice(0, 60);
  return slug || 'draft';
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

export async function readMeta(fs: DraftFs, root: string, id: string, nowIso: string): Promise<LoadedMeta> {
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
  fs: DraftFs,
  root: string,
  id: string,
  meta: DraftMeta,
  preserveCorrupt: boolean,
  nowMs: number,
): Promise<void> {
  const path = metaPath(root, id);
  if (preserveCorrupt) {
    const stamp = new Date(nowMs).toISOString().replace(/[-:.]/g, '');
    await fs.rename(path, `${path}.corrupt-${stamp}`).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
  await atomicWrite(fs, path, `${JSON.stringify(meta, null, 2)}\n`);
}

/** text.md as text plus its disk state; a missing text.md reads as empty (and null state) so the draft still opens. */
export async function readText(fs: DraftFs, root: string, id: string): Promise<{ text: string; disk: DiskState | null }> {
  try {
    const { text, hash, mtimeMs, size } = await readWithState(fs, textPath(root, id));
    return { text, disk: { hash, mtimeMs, size } };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { text: '', disk: null };
    throw toDraftError(err, `open the draft “${id}”`, textPath(root, id));
  }
}
