import * as fsp from 'node:fs/promises';
import type { Stats } from 'node:fs';

/**
 * The slice of the file system the drafts code uses. Injected so tests can make any call fail the way
 * a real disk does (ENOSPC halfway through a write, EROFS, a folder deleted underneath us).
 */
export interface DraftFileHandle {
  write(data: Uint8Array, position?: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

export interface DraftFs {
  open(path: string, flags: string, mode?: number): Promise<DraftFileHandle>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  rm(path: string): Promise<void>;
  /** fsync a directory so a rename inside it survives power loss; platforms that cannot do this resolve quietly. */
  syncDir(path: string): Promise<void>;
}

export const nodeFs: DraftFs = {
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
    await fsp.mkdir(path, { recursive: true });
  },
  readdir: (path) => fsp.readdir(path),
  rm: (path) => fsp.rm(path, { recursive: true, force: true }),
  async syncDir(path) {
    let h: fsp.FileHandle | undefined;
    try {
      h = await fsp.open(path, 'r');
      await h.sync();
    } catch (err) {
      // Windows cannot open or fsync a directory; the rename is still atomic there, just less durable.
      const code = (err as { code?: unknown }).code;
      if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
    } finally {
      await h?.close();
    }
  },
};
