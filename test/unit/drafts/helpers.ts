import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFs, type DiskFs } from '../../../electron/disk/fs-layer.js';
import type { Clock } from '../../../electron/drafts/clock.js';

export async function tempDir(prefix = 'kaituhi-drafts-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

export type FsOp = 'open' | 'write' | 'sync' | 'rename' | 'mkdir' | 'unlink' | 'readFile' | 'stat';

/** nodeFs with a switchable fault: `fail(op, path)` returns an errno code to throw, or undefined to pass through. */
export function faultyFs(fail: (op: FsOp, path: string) => string | undefined): DiskFs {
  const check = (op: FsOp, path: string): void => {
    const code = fail(op, path);
    if (code) throw errno(code);
  };
  return {
    ...nodeFs,
    async open(path, flags, mode) {
      check('open', path);
      const h = await nodeFs.open(path, flags, mode);
      return {
        ...h,
        async write(data, position) {
          const code = fail('write', path);
          if (code) {
            // A real full disk often accepts part of the data first.
            await h.write(data.subarray(0, Math.floor(data.byteLength / 2)), position);
            throw errno(code);
          }
          return h.write(data, position);
        },
        sync: async () => {
          check('sync', path);
          return h.sync();
        },
        chmod: (m) => h.chmod(m),
        close: () => h.close(),
      };
    },
    rename: async (a, b) => {
      check('rename', b);
      return nodeFs.rename(a, b);
    },
    mkdir: async (p) => {
      check('mkdir', p);
      return nodeFs.mkdir(p);
    },
    unlink: async (p) => {
      check('unlink', p);
      return nodeFs.unlink(p);
    },
    readFile: async (p) => {
      check('readFile', p);
      return nodeFs.readFile(p);
    },
  };
}

/** An edit that sends the whole text, as the editor does after a missed change. */
export function whole(text: string): { kind: 'text'; text: string } {
  return { kind: 'text', text };
}

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  private t: number;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  constructor(start = Date.UTC(2025, 0, 15, 12, 0, 0)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pendingTimers(): number {
    return this.timers.size;
  }
  /** Moves time forward, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets queued promise callbacks and pending fs I/O run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Polls until `cond` holds (real time): saves do real disk I/O, which no fake clock can hurry. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
