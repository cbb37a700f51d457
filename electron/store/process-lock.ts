/**
 * One download per model folder across processes (the app and `kaituhi serve` may share a store). Inside one
 * process the store's registry already joins callers; this file guards against a second process. A lock whose
 * owner is gone (a crash) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { StoreError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(file: string, what: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    // Our own pid can only be a leftover: this process never runs two jobs for one folder and variant.
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new StoreError('busy', `${what}: another Kaituhi process (pid ${owner}) is downloading this model.`);
    }
    await rm(file, { force: true });
  }
  throw new StoreError('busy', `${what}: could not take the download lock.`);
}
