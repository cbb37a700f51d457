/** Free space, asked before a download or an import starts so that a full disk fails early and says how much is missing. */
import { statfs as nodeStatfs } from 'node:fs/promises';
import { StoreError } from './errors.js';

export interface FsStats {
  readonly bavail: number | bigint;
  readonly bsize: number | bigint;
}

/** Injectable so tests can pretend the disk is full. */
export type StatFsFn = (dir: string) => Promise<FsStats>;

export const defaultStatfs: StatFsFn = (dir) => nodeStatfs(dir);

/** Room for the manifest, the state file and the filesystem's own bookkeeping. */
const HEADROOM = 16 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export async function freeBytes(statfs: StatFsFn, dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(BigInt(s.bavail) * BigInt(s.bsize));
}

export async function ensureFreeSpace(statfs: StatFsFn, dir: string, needed: number, what: string): Promise<void> {
  const free = await freeBytes(statfs, dir);
  if (free < needed + HEADROOM) {
    throw new StoreError(
      'disk-full',
      `${what}: not enough free disk space. It needs ${formatBytes(needed)} more and ${formatBytes(free)} is free on the disk holding ${dir}.`,
    );
  }
}
