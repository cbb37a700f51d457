/**
 * A file that exists only while it is used, readable by this user alone: the PDF export prints its HTML from
 * one (a data: URL is capped at 2 MB by Chromium). Plain Node, so it is tested without Electron.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Writes `contents` to `name` in a new folder under `root` (0700 folder, 0600 file: the system's temporary
 * folder is shared with every user), runs `use` with its path, and deletes the folder afterwards, whatever
 * `use` does.
 */
export async function withPrivateTempFile<T>(
  name: string,
  contents: string | Uint8Array,
  use: (path: string) => Promise<T>,
  root: string = tmpdir(),
): Promise<T> {
  if (name === '' || name === '.' || name === '..' || basename(name) !== name) throw new Error(`"${name}" is not a plain file name`);
  const dir = await mkdtemp(join(root, 'kaituhi-'));
  try {
    // mkdtemp makes it 0700 already; saying so keeps it true under any umask or platform quirk.
    await chmod(dir, 0o700);
    const path = join(dir, name);
    // 'wx': a file that is already there (it cannot be, in a fresh folder) is never written through.
    await writeFile(path, contents, { mode: 0o600, flag: 'wx' });
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
