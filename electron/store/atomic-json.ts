/**
 * JSON on disk that is either the old version or the new one, never half of each: write a temporary file in the
 * same folder, fsync, rename over the target (the same rule as drafts, DESIGN.md §5).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const folder = path.dirname(file);
  await mkdir(folder, { recursive: true });
  const tmp = path.join(folder, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // Owner-only: settings and store state are the writer's own business.
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A failed write (a full disk, say) must not leave its temporary file behind either.
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(folder);
}

/** Makes a rename durable; some platforms (Windows) cannot open a folder, and there the rename is already durable enough. */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a folder; the data itself is already synced.
  }
}

/** Missing file: null. Present but unreadable or not matching the schema: null too, with the reason to `onInvalid`. */
export async function readJsonValidated<T>(file: string, schema: z.ZodType<T>, onInvalid?: (reason: string) => void): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onInvalid?.(`${file}: ${(err as Error).message}`);
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    onInvalid?.(`${file}: not valid JSON`);
    return null;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    onInvalid?.(`${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return null;
  }
  return parsed.data;
}
