/**
 * The one look at text.md for a change Kaituhi did not make. The watcher asks it on every event (duplicates
 * included), and every save asks it before writing, as the last defence when the watcher missed a change.
 */
import { readWithState } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import type { DiskFs } from '../disk/fs-layer.js';
import { textPath, type DiskState } from './draft-folder.js';
import type { DraftBuffer } from './draft-buffer.js';

export type DiskLook =
  /** Nothing new: what the buffer last saw, or one of our own writes (however late its event arrives). */
  { kind: 'known' } | { kind: 'missing' } | { kind: 'changed'; state: DiskState; text: string };

/** What the watcher's callers learn (and what `checkOutside` answers). */
export type OutsideChange =
  { kind: 'unchanged' } | { kind: 'reloaded'; text: string } | { kind: 'conflict'; diskText: string } | { kind: 'deleted' };

/** Compares text.md with the buffer's last known disk state, refreshing that state for our own writes. Throws what the disk throws. */
export async function lookAtDisk(fs: DiskFs, root: string, b: DraftBuffer): Promise<DiskLook> {
  const path = textPath(root, b.id);
  let st;
  try {
    st = await fs.stat(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { kind: 'missing' };
    throw err;
  }
  // Size and time equal: not worth reading a 10 MB file to hash it.
  if (b.disk && st.mtimeMs === b.disk.mtimeMs && st.size === b.disk.size && !b.conflict) return { kind: 'known' };
  const fresh = await readWithState(fs, path);
  const state: DiskState = { hash: fresh.hash, mtimeMs: fresh.mtimeMs, size: fresh.size };
  if (fresh.hash === b.disk?.hash || b.ownHashes.includes(fresh.hash)) {
    b.disk = state;
    return { kind: 'known' };
  }
  return { kind: 'changed', state, text: fresh.text };
}
