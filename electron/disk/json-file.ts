/**
 * Small JSON state files (settings, the drafts location, the model store's state and manifests), written with
 * the one atomic writer: either the old version or the new one is on disk, never half of each.
 */
import { dirname } from 'node:path';
import type { z } from 'zod';
import { atomicWrite } from './atomic-write.js';
import { isErrno } from './errno.js';
import { nodeFs, PRIVATE_FILE_MODE, type DiskFs } from './fs-layer.js';

/** Pretty JSON, owner-only (settings and store state are the writer's own business); creates missing folders. */
export async function writeJsonAtomic(file: string, value: unknown, fs: DiskFs = nodeFs): Promise<void> {
  // Serialised first: a value that cannot be written (a BigInt) fails before anything touches the disk.
  const json = `${JSON.stringify(value, null, 2)}\n`;
  await fs.mkdir(dirname(file));
  await atomicWrite(fs, file, json, { mode: PRIVATE_FILE_MODE });
}

/** Missing file: null. Present but unreadable or not matching the schema: null too, with the reason to `onInvalid`. */
export async function readJsonValidated<T>(file: string, schema: z.ZodType<T>, onInvalid?: (reason: string) => void): Promise<T | null> {
  let text: string;
  try {
    text = (await nodeFs.readFile(file)).toString('utf8');
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) onInvalid?.(`${file}: ${(err as Error).message}`);
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
