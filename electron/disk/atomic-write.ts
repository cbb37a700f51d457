import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { errnoError, isErrno } from './errno.js';
import { PRIVATE_FILE_MODE, type DiskFs } from './fs-layer.js';
import { sha256 } from './sha256.js';

export interface WrittenFile {
  /** The file actually written: the symlink's target when `path` was a link. */
  readonly realPath: string;
  readonly hash: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface AtomicWriteOptions {
  /** Gives the file exactly this mode. Otherwise an existing file keeps its mode and a new one is private (0600). */
  readonly mode?: number;
  /**
   * Refuses (code EOUTSIDEFOLDER) to write unless the file, symlinks resolved, lies inside this folder: a
   * draft folder from an untrusted or synced source must not turn a save into a write elsewhere.
   */
  readonly within?: string;
}

/** The code of the refusal above; drafts turn it into words for the writer. */
export const OUTSIDE_FOLDER = 'EOUTSIDEFOLDER';

export function isInsideFolder(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Follows a symlink so the rename replaces the file it points to and the link itself survives
 * (renaming over the link would turn it into a plain file and silently fork the writer's document).
 */
async function resolveTarget(fs: DiskFs, path: string): Promise<{ realPath: string; mode: number | undefined }> {
  try {
    const link = await fs.lstat(path);
    const realPath = link.isSymbolicLink() ? await fs.realpath(path) : path;
    const st = link.isSymbolicLink() ? await fs.stat(realPath) : link;
    // Rename would happily replace a file the writer marked read-only; honour the mark as an editor should.
    // (Checked by hand because root, and rename itself, ignore the file's own permission bits.)
    if ((st.mode & 0o222) === 0) throw errnoError('EREADONLYFILE', `${realPath} is read-only`);
    return { realPath, mode: st.mode & 0o7777 };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { realPath: path, mode: undefined };
    throw err;
  }
}

async function assertInside(fs: DiskFs, path: string, realPath: string, within: string): Promise<void> {
  const folder = await fs.realpath(within);
  const target = join(await fs.realpath(dirname(realPath)), basename(realPath));
  if (!isInsideFolder(folder, target)) throw errnoError(OUTSIDE_FOLDER, `${path} leads to ${target}, outside ${within}`);
}

/**
 * Replaces `path` with `data` so that a crash at any instant leaves either the old or the new content:
 * write a temp file in the same folder (rename is atomic only within one file system), fsync it,
 * rename it over the target, then fsync the folder so the rename itself is durable.
 */
export async function atomicWrite(
  fs: DiskFs,
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<WrittenFile> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const target = await resolveTarget(fs, path);
  const { realPath } = target;
  if (options.within !== undefined) await assertInside(fs, path, realPath, options.within);
  const mode = options.mode ?? target.mode;
  const dir = dirname(realPath);
  const tmp = join(dir, `.${basename(realPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const h = await fs.open(tmp, 'wx', mode ?? PRIVATE_FILE_MODE);
    try {
      let offset = 0;
      while (offset < bytes.byteLength) {
        const { bytesWritten } = await h.write(bytes.subarray(offset), offset);
        if (bytesWritten <= 0) throw errnoError('EIO', 'write made no progress');
        offset += bytesWritten;
      }
      // open() applies the umask; an existing file's exact mode (e.g. group-writable) must carry over.
      if (mode !== undefined) await h.chmod(mode);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, realPath);
    renamed = true;
    await fs.syncDir(dir);
  } finally {
    if (!renamed) await fs.unlink(tmp).catch(() => undefined);
  }
  const st = await fs.stat(realPath);
  return { realPath, hash: sha256(bytes), size: bytes.byteLength, mtimeMs: st.mtimeMs };
}

const tempName = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Deletes temp files a killed process left behind in `dir` (ours carry the writer's pid). Files of the
 * running process are left alone: a save may be in flight.
 */
export async function removeStaleTemps(fs: DiskFs, dir: string): Promise<number> {
  let removed = 0;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = tempName.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    await fs.unlink(join(dir, name)).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}

/** Reads a file and the facts we compare later to notice outside changes. */
export async function readWithState(fs: DiskFs, path: string): Promise<{ text: string; hash: string; size: number; mtimeMs: number }> {
  const st = await fs.stat(path);
  const bytes = await fs.readFile(path);
  return { text: bytes.toString('utf8'), hash: sha256(bytes), size: bytes.byteLength, mtimeMs: st.mtimeMs };
}
