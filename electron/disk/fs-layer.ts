import * as fsp from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isErrno } from './errno.js';

/**
 * The slice of the file system that durable writes use. Injected so tests can make any call fail the way
 * a real disk does (ENOSPC halfway through a write, EROFS, a folder deleted underneath us).
 */
export interface DiskFileHandle {
  write(data: Uint8Array, position?: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

export interface DiskFs {
  open(path: string, flags: string, mode?: number): Promise<DiskFileHandle>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  /** Creates the folder and any missing parents; the ones it creates are private to the user (0700). */
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  rm(path: string): Promise<void>;
  /** fsync a directory so a rename inside it survives power loss (see syncDir). */
  syncDir(path: string): Promise<void>;
}

/** Folders Kaituhi creates hold the writer's text and settings: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** New files likewise; an existing file keeps the mode it has (the writer may have shared it on purpose). */
export const PRIVATE_FILE_MODE = 0o600;

/** Codes with which a platform or file system says it cannot fsync a folder; the rename is atomic there all the same. */
const DIR_SYNC_UNSUPPORTED = ['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP', 'EACCES'];

/**
 * Makes a rename inside `dir` durable. Windows cannot open a folder at all, and some file systems refuse to
 * fsync one; both are quietly accepted (the rename is still atomic, only less durable against power loss).
 * Any other failure (EIO) is real trouble and is reported.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!isErrno(err, ...DIR_SYNC_UNSUPPORTED)) throw err;
  } finally {
    await handle?.close();
  }
}

export const nodeFs: DiskFs = {
  async open(path, flags, mode) {
    const h = await fsp.open(path, flags, mode);
    return {
      write: (data, position) => h.write(data, 0, data.byteLength, position ?? null),
      sync: () => h.sync(),
      chmod: (m) => h.chmod(m),
      close: () => h.close(),
    };
  },
  readFile: (path) => fsp.readFile(path),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  stat: (path) => fsp.stat(path),
  lstat: (path) => fsp.lstat(path),
  realpath: (path) => fsp.realpath(path),
  mkdir: async (path) => {
    await fsp.mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  },
  readdir: (path) => fsp.readdir(path),
  rm: (path) => fsp.rm(path, { recursive: true, force: true }),
  syncDir,
};
