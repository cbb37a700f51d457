/** The one atomic writer: old or new content after a crash at any instant, never half of each. */
import { chmod, lstat, mkdir, readFile, readlink, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWrite, OUTSIDE_FOLDER } from '../../../electron/disk/atomic-write.js';
import { nodeFs } from '../../../electron/disk/fs-layer.js';
import { faultyFs, tempDir } from '../drafts/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('kaituhi-atomic-')));
afterEach(() => cleanup());

describe('atomicWrite', () => {
  it('replaces content, leaves no temp files, and keeps the file mode', async () => {
    const p = join(dir, 'text.md');
    await writeFile(p, 'old');
    await chmod(p, 0o640);
    const r = await atomicWrite(nodeFs, p, 'new text ✓');
    expect(await readFile(p, 'utf8')).toBe('new text ✓');
    expect((await stat(p)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['text.md']);
    expect(r.size).toBe(Buffer.byteLength('new text ✓'));
  });

  it('refuses to replace a file marked read-only', async () => {
    const p = join(dir, 'text.md');
    await writeFile(p, 'old');
    await chmod(p, 0o444);
    await expect(atomicWrite(nodeFs, p, 'new')).rejects.toMatchObject({ code: 'EREADONLYFILE' });
    expect(await readFile(p, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['text.md']);
  });

  it('writes through a symlink to its real path, and the link survives', async () => {
    await mkdir(join(dir, 'real'));
    const real = join(dir, 'real', 'story.md');
    await writeFile(real, 'old');
    await chmod(real, 0o600);
    const link = join(dir, 'text.md');
    await symlink(real, link);
    const r = await atomicWrite(nodeFs, link, 'through the link');
    expect(r.realPath).toBe(real);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(real);
    expect(await readFile(real, 'utf8')).toBe('through the link');
    expect((await stat(real)).mode & 0o777).toBe(0o600);
    expect((await readdir(join(dir, 'real'))).sort()).toEqual(['story.md']);
  });

  it('on ENOSPC mid-write keeps the old file intact and removes the temp file', async () => {
    const p = join(dir, 'text.md');
    await writeFile(p, 'the old text');
    const fs = faultyFs((op) => (op === 'write' ? 'ENOSPC' : undefined));
    await expect(atomicWrite(fs, p, 'x'.repeat(100_000))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readFile(p, 'utf8')).toBe('the old text');
    expect(await readdir(dir)).toEqual(['text.md']);
  });

  it('on a failed fsync or rename keeps the old file', async () => {
    const p = join(dir, 'text.md');
    await writeFile(p, 'old');
    for (const op of ['sync', 'rename'] as const) {
      const fs = faultyFs((o) => (o === op ? 'EIO' : undefined));
      await expect(atomicWrite(fs, p, 'new')).rejects.toMatchObject({ code: 'EIO' });
      expect(await readFile(p, 'utf8')).toBe('old');
      expect(await readdir(dir)).toEqual(['text.md']);
    }
  });

  it('saves 10 MB whole (its time is measured by npm run bench:micro)', async () => {
    const p = join(dir, 'big.md');
    const big = 'Lorem ipsum dolor sit amet, 她走进了房间 🙂.\n'.repeat(220_000);
    expect(Buffer.byteLength(big)).toBeGreaterThan(10_000_000);
    await atomicWrite(nodeFs, p, big);
    expect(await readFile(p, 'utf8')).toBe(big);
  });

  it('gives a new file to its owner only (0600), and keeps an existing file’s mode unless told otherwise', async () => {
    const p = join(dir, 'new.md');
    await atomicWrite(nodeFs, p, 'fresh');
    expect((await stat(p)).mode & 0o777).toBe(0o600);
    await chmod(p, 0o644);
    await atomicWrite(nodeFs, p, 'again');
    expect((await stat(p)).mode & 0o777).toBe(0o644);
    await atomicWrite(nodeFs, p, 'private now', { mode: 0o600 });
    expect((await stat(p)).mode & 0o777).toBe(0o600);
  });

  it('refuses to write through a link that leads outside the folder it must stay in, and leaves the target alone', async () => {
    await mkdir(join(dir, 'library'));
    const outside = join(dir, 'outside.txt');
    await writeFile(outside, 'not yours');
    await symlink(outside, join(dir, 'library', 'text.md'));
    await expect(
      atomicWrite(nodeFs, join(dir, 'library', 'text.md'), 'overwritten', { within: join(dir, 'library') }),
    ).rejects.toMatchObject({
      code: OUTSIDE_FOLDER,
    });
    expect(await readFile(outside, 'utf8')).toBe('not yours');
    // A linked folder leads outside as well; a link that stays inside is followed.
    await mkdir(join(dir, 'elsewhere'));
    await symlink(join(dir, 'elsewhere'), join(dir, 'library', 'linked'));
    await expect(
      atomicWrite(nodeFs, join(dir, 'library', 'linked', 'text.md'), 'x', { within: join(dir, 'library') }),
    ).rejects.toMatchObject({
      code: OUTSIDE_FOLDER,
    });
    expect(await readdir(join(dir, 'elsewhere'))).toEqual([]);
    await writeFile(join(dir, 'library', 'real.md'), 'old');
    await symlink(join(dir, 'library', 'real.md'), join(dir, 'library', 'alias.md'));
    await atomicWrite(nodeFs, join(dir, 'library', 'alias.md'), 'inside', { within: join(dir, 'library') });
    expect(await readFile(join(dir, 'library', 'real.md'), 'utf8')).toBe('inside');
  });
});
