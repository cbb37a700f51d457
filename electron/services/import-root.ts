/**
 * Server mode cannot show a folder dialog, and a path typed into a browser must not open the whole disk to
 * anyone holding the page's token. So `kaituhi serve --import-root DIR` names one folder; the writer picks one
 * of the model folders directly inside it, and every pick is checked again here, after symlinks are resolved.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** The model folders the writer may import: direct, non-hidden subfolders of the root. */
export async function listImportFolders(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await isFolderInside(root, entry.name)))) names.push(entry.name);
  }
  return names.sort((a, b) => a.localeCompare(b));
}

/** The absolute folder for `name`, or an error that says why it is refused. */
export async function resolveImportFolder(root: string, name: string): Promise<string> {
  if (name.length === 0 || name.startsWith('.') || name.includes('/') || name.includes('\\') || name.includes('\0')) {
    throw new Error(`"${name}" is not a folder name under the import folder.`);
  }
  if (!(await isFolderInside(root, name))) throw new Error(`"${name}" is not a model folder under ${root}.`);
  return realpath(path.join(root, name));
}

async function isFolderInside(root: string, name: string): Promise<boolean> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(path.join(root, name));
    // A symlink that leads out of the root would be a way around the whole point.
    if (path.dirname(real) !== realRoot && !real.startsWith(realRoot + path.sep)) return false;
    return (await stat(real)).isDirectory();
  } catch {
    return false;
  }
}
