import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../electron/services/settings-store.js';
import { defaultSettings } from '../../../electron/common/settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaituhi-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('settings store', () => {
  it('starts from the defaults, silently, when there is no file yet', async () => {
    const state = await new SettingsStore(join(dir, 'settings.json')).load();
    expect(state).toEqual({ settings: defaultSettings(), location: join(dir, 'settings.json'), notice: null });
  });

  it('saves atomically (no temp files left) and loads what it saved', async () => {
    const file = join(dir, 'nested', 'settings.json');
    const settings = { ...defaultSettings(), theme: 'dark' as const, modelDir: '/models/gpt2' };
    await new SettingsStore(file).save(settings);
    expect(await readdir(join(dir, 'nested'))).toEqual(['settings.json']);
    expect((await new SettingsStore(file).load()).settings).toEqual(settings);
  });

  it('refuses to save invalid settings and leaves the file alone', async () => {
    const file = join(dir, 'settings.json');
    const store = new SettingsStore(file);
    await store.save(defaultSettings());
    const before = await readFile(file, 'utf8');
    await expect(store.save({ ...defaultSettings(), inline: { ...defaultSettings().inline, alternatives: 0 } })).rejects.toThrow(
      /not saved/,
    );
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('reads a settings file written before the suggestion mode and the ghost style existed: automatic, italic', async () => {
    const file = join(dir, 'settings.json');
    const { mode: _mode, italic: _italic, ...olderInline } = defaultSettings().inline;
    await writeFile(file, JSON.stringify({ ...defaultSettings(), inline: { ...olderInline, debounceMs: 700 } }));
    const state = await new SettingsStore(file).load();
    expect(state.notice).toBeNull();
    expect(state.settings.inline).toEqual({ ...defaultSettings().inline, debounceMs: 700, mode: 'automatic', italic: true });
  });

  it('refuses a suggestion mode it does not know', async () => {
    const store = new SettingsStore(join(dir, 'settings.json'));
    const inline = { ...defaultSettings().inline, mode: 'sometimes' } as unknown as ReturnType<typeof defaultSettings>['inline'];
    await expect(store.save({ ...defaultSettings(), inline })).rejects.toThrow(/not saved/);
  });

  for (const [what, contents] of [
    ['not JSON', '{"version":1,'],
    ['the wrong shape', JSON.stringify({ version: 1, theme: 'neon' })],
    ['empty', ''],
  ] as const) {
    it(`falls back to the defaults when the file is ${what}, says so, and keeps the bad file`, async () => {
      const file = join(dir, 'settings.json');
      await writeFile(file, contents);
      const state = await new SettingsStore(file).load();
      expect(state.settings).toEqual(defaultSettings());
      const kept = (await readdir(dir)).filter((name) => name.startsWith('settings.json.corrupt-'));
      expect(kept).toHaveLength(1);
      expect(await readFile(join(dir, kept[0]!), 'utf8')).toBe(contents);
      // A code for the interface to word, the validator's words as the detail, and where the old file went.
      expect(state.notice).toEqual({ problem: 'damaged', detail: expect.any(String), keptAs: join(dir, kept[0]!) });
    });
  }

  it('a file that is there but cannot be read: the defaults, the reader’s own words, nothing moved aside', async () => {
    const file = join(dir, 'settings.json');
    await mkdir(file);
    const state = await new SettingsStore(file).load();
    expect(state.settings).toEqual(defaultSettings());
    expect(state.notice).toEqual({ problem: 'unreadable', detail: expect.stringContaining('EISDIR'), keptAs: null });
    expect(await readdir(dir)).toEqual(['settings.json']);
  });
});
