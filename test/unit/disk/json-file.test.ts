/** The one atomic JSON writer behind settings, the drafts location and the model store's state. */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../../electron/disk/json-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-atomic-json-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeJsonAtomic', () => {
  it('creates missing folders and writes owner-only, pretty JSON', async () => {
    const file = path.join(dir, 'a', 'b', 'state.json');
    await writeJsonAtomic(file, { model: 'gpt2' });
    expect(await readFile(file, 'utf8')).toBe('{\n  "model": "gpt2"\n}\n');
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a write that fails half-way keeps the old file and leaves no temporary file behind', async () => {
    const file = path.join(dir, 'settings.json');
    await writeFile(file, '{"old":true}\n');
    // BigInt cannot be serialised: the failure comes after the temporary file was opened.
    await expect(writeJsonAtomic(file, { n: 1n })).rejects.toThrow(/BigInt/);
    expect(await readFile(file, 'utf8')).toBe('{"old":true}\n');
    expect(await readdir(dir)).toEqual(['settings.json']);
  });
});
