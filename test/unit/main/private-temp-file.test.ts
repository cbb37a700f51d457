/**
 * The PDF export's temporary page (issue 9, finding 13). The hidden print window loaded a base64 data: URL,
 * and Chromium caps URLs at 2 MB, so a long draft could not be exported to PDF. It now loads a file that
 * only this user can read, in a folder only this user can open, deleted as soon as the PDF is made.
 * (Electron cannot run here; the file handling is plain Node, and the Electron edge only loads the path.)
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPrivateTempFile } from '../../../electron/main/private-temp-file.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kaituhi-private-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('a private temporary file', () => {
  it('holds a page far over the 2 MB URL cap, readable by this user only, and is gone afterwards', async () => {
    const html = `<!doctype html><p>${'夜の海。'.repeat(300_000)}</p>`;
    expect(Buffer.byteLength(html)).toBeGreaterThan(3 * 1024 * 1024);
    let seen = '';
    const result = await withPrivateTempFile(
      'export.html',
      html,
      async (path) => {
        expect(dirname(dirname(path))).toBe(root);
        expect(await mode(dirname(path))).toBe(0o700);
        expect(await mode(path)).toBe(0o600);
        seen = await readFile(path, 'utf8');
        return 'printed';
      },
      root,
    );
    expect(result).toBe('printed');
    expect(seen).toBe(html);
    expect(await readdir(root)).toEqual([]);
  });

  it('is deleted when the work fails, and the failure goes to the caller', async () => {
    let kept = '';
    await expect(
      withPrivateTempFile(
        'export.html',
        'x',
        async (path) => {
          kept = path;
          throw new Error('printer gone');
        },
        root,
      ),
    ).rejects.toThrow('printer gone');
    await expect(stat(kept)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(root)).toEqual([]);
  });

  it('gives each use a folder of its own', async () => {
    const paths = await Promise.all(
      [1, 2, 3].map((n) =>
        withPrivateTempFile('export.html', String(n), async (path) => [path, await readFile(path, 'utf8')] as const, root),
      ),
    );
    expect(new Set(paths.map(([path]) => dirname(path))).size).toBe(3);
    expect(paths.map(([, text]) => text)).toEqual(['1', '2', '3']);
  });

  it('refuses a file name that is a path', async () => {
    for (const name of ['../escape.html', 'a/b.html', '', '.']) {
      await expect(withPrivateTempFile(name, 'x', async () => 'used', root)).rejects.toThrow(/file name/);
    }
    expect(await readdir(root)).toEqual([]);
  });
});
