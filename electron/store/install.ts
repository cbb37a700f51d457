/**
 * The one step that makes a model visible: a rename of a complete, verified folder into `models/`. A crash before
 * it leaves nothing listed; a crash after it leaves a whole model. The manifest is written first, inside the
 * staged folder, so there is never a listed model without one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from '../disk/fs-layer.js';
import { writeJsonAtomic } from '../disk/json-file.js';
import { installedDir, MANIFEST_FILE, type StoreLayout } from './layout.js';
import type { Manifest } from './manifest.js';

export async function installStaged(layout: StoreLayout, stagedDir: string, manifest: Manifest): Promise<string> {
  await writeJsonAtomic(path.join(stagedDir, MANIFEST_FILE), manifest);
  await mkdir(layout.models, { recursive: true });
  const target = installedDir(layout, manifest.id);
  let replaced: string | null = null;
  try {
    replaced = await moveToTrash(layout, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await rename(stagedDir, target);
  await syncDir(layout.models);
  if (replaced !== null) await rm(replaced, { recursive: true, force: true });
  return target;
}

/** Deleting is a rename out of `models/` first, so a half-deleted model is never listed. */
export async function moveToTrash(layout: StoreLayout, dir: string): Promise<string> {
  await mkdir(layout.trash, { recursive: true });
  const dest = path.join(layout.trash, `${path.basename(dir)}-${randomBytes(4).toString('hex')}`);
  await rename(dir, dest);
  return dest;
}
