/**
 * The first five minutes end to end: no model installed, the Models panel opens with a recommendation, the
 * download shows its progress (pause, resume, cancel with the partial files gone), a second download ends in
 * "model ready", and the editor's ghost text comes from the downloaded model. The hub is a local server that
 * HF_ENDPOINT points at; the catalog is one whose hashes match its files (`kaituhi serve --catalog`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { parseServeArgs, serve, type ServeHandle } from '../../electron/cli/commands/serve.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import { builtRenderer, editorText, focusEditor, screenshot, visibleGhostText } from './support/app.js';
import { HUB_VARIANT, startModelHub, type ModelHub } from '../support/model-hub.js';
import { formatBytes } from '../../renderer/state/model-format.js';

const SETTLE = { timeout: 15_000 };
const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';

let home: string;
let modelHub: ModelHub;
let app: ServeHandle;
let browser: BrowserSession;
let page: Page;
const savedEndpoint = process.env.HF_ENDPOINT;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'kaituhi-e2e-models-'));
  modelHub = await startModelHub(home);
  process.env.HF_ENDPOINT = modelHub.hub.endpoint;
  await modelHub.writeFolder(path.join(home, 'import', 'my-gpt2'));
  const options = parseServeArgs([
    ...['--settings', path.join(home, 'settings.json'), '--catalog', modelHub.catalogFile, '--renderer', await builtRenderer()],
    ...['--import-root', path.join(home, 'import')],
  ]);
  app = await serve(options);
  await app.modelSettled;
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await modelHub?.close();
  if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
  else process.env.HF_ENDPOINT = savedEndpoint;
  await rm(home, { recursive: true, force: true });
});

const storeRoot = (): string => path.join(home, 'models');

async function downloadedBytes(): Promise<number> {
  const text = (await page.locator('[data-testid=download-figures]').textContent()) ?? '';
  const match = /^([\d.]+) (B|KB|MB)/.exec(text);
  if (!match) return 0;
  return Number(match[1]) * { B: 1, KB: 1e3, MB: 1e6 }[match[2] as 'B' | 'KB' | 'MB'];
}

describe('first run: pick, download, use', () => {
  it('opens the picker with a recommendation and its download size', async () => {
    await page.goto(app.server.url);
    await focusEditor(page);
    const picker = page.locator('[data-testid=model-picker]');
    await picker.waitFor(SETTLE);
    expect(await page.locator('[data-testid=recommended-model]').textContent()).toContain('GPT-2 (test, tiny) · int8');
    // The size as the panel writes sizes (under 10 MB with one decimal).
    const size = formatBytes(modelHub.totalBytes);
    expect(await page.locator('[data-testid=download-recommended]').textContent()).toBe(`Download (${size})`);
    expect(await page.locator('[data-testid=machine-summary]').textContent()).toMatch(/memory.*free disk.*no GPU in use/);
    expect(await page.locator('[data-testid=engine-status]').textContent()).toBe('No model');
    await screenshot(page, '20-first-run-picker');
  });

  it('shows progress while the writer keeps typing; pause, resume and cancel work, and cancel leaves no files', async () => {
    // A slow link, so there is time to watch it.
    modelHub.weights.cue = { bytesPerSecond: 1_500_000 };
    await page.click('[data-testid=download-recommended]');
    await expect.poll(() => page.locator('[data-testid=download]').getAttribute('data-stage'), SETTLE).toBe('downloading');
    await focusEditor(page);
    await page.keyboard.type('She kept writing while the model arrived.', { delay: 15 });
    await expect.poll(downloadedBytes, SETTLE).toBeGreaterThan(1_000_000);
    expect(await page.locator('[data-testid=download-figures]').textContent()).toMatch(/of [\d.]+ MB \(\d+%\).*MB\/s · .*left/);
    expect(await editorText(page)).toBe('She kept writing while the model arrived.');
    expect(await page.locator('[data-testid=models-button]').textContent()).toMatch(/^Models \d+%$/);
    await screenshot(page, '21-download-progress');

    await page.click('[data-testid=pause-download]');
    await expect.poll(() => page.locator('[data-testid=download]').getAttribute('data-stage'), SETTLE).toBe('paused');
    const pausedAt = await downloadedBytes();
    await page.waitForTimeout(800);
    expect(await downloadedBytes()).toBe(pausedAt);
    await page.click('[data-testid=resume-download]');
    await expect.poll(downloadedBytes, SETTLE).toBeGreaterThan(pausedAt);
    // Resumed with Range, from the bytes on disk.
    expect(modelHub.hub.gets(modelHub.weights).some((request) => request.range !== null)).toBe(true);

    await page.click('[data-testid=cancel-download]');
    await page.locator('[data-testid=download]').waitFor({ state: 'detached', ...SETTLE });
    await page.locator('[data-testid=model-picker]').waitFor(SETTLE);
    expect(await readdir(path.join(storeRoot(), '.partial'))).toEqual([]);
    expect(await readdir(path.join(storeRoot(), 'models'))).toEqual([]);
  });

  it('downloads again to "model ready", lists the model with its measured speed, and the editor suggests with it', async () => {
    modelHub.weights.cue = {};
    await page.click('[data-testid=download-recommended]');
    await expect.poll(() => page.locator('[data-testid=download-headline]').textContent(), { timeout: 120_000 }).toBe('Model ready');
    expect(app.services.engine.state.status).toBe('ready');
    const installed = page.locator('[data-testid=installed-model]');
    await expect.poll(() => installed.count(), SETTLE).toBe(1);
    expect(await installed.getAttribute('data-active')).toBe('true');
    await expect
      .poll(() => installed.locator('[data-testid=model-speed]').textContent(), { timeout: 60_000 })
      .toMatch(/^CPU · [\d.]+ tok\/s$/);
    await screenshot(page, '22-model-ready');
    const store = JSON.parse(await readFile(path.join(storeRoot(), 'store.json'), 'utf8')) as { active: string | null };
    expect(store.active).toBe(HUB_VARIANT);

    await page.click('[aria-label="Close models"]');
    await focusEditor(page);
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' The lighthouse', { delay: 25 });
    await page.waitForSelector(GHOST, { timeout: 60_000 });
    await expect.poll(() => visibleGhostText(page), SETTLE).not.toBe('');
    expect(await page.locator('[data-testid=model-name]').textContent()).toContain('int8');
    await screenshot(page, '23-suggestion-from-downloaded-model');
    expect(browser.problems).toEqual([]);
  });

  it('imports a folder from the server’s import root and switches to it', async () => {
    await page.click('[data-testid=models-button]');
    const panel = page.locator('[data-testid=models-panel]');
    await panel.waitFor(SETTLE);
    expect(await panel.getByLabel('Folder to import').inputValue()).toBe('my-gpt2');
    await page.click('[data-testid=import-folder]');
    const rows = page.locator('[data-testid=installed-model]');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    const imported = page.locator('[data-testid=installed-model][data-active=false]');
    expect(await imported.textContent()).toContain('imported');
    await imported.locator('[data-testid=use-model]').click();
    await expect.poll(() => page.locator('[data-testid=installed-model][data-active=true]').textContent(), SETTLE).toContain('my-gpt2');
    await expect.poll(() => app.services.engine.state.modelDir ?? '', { timeout: 60_000 }).toMatch(/my-gpt2-import$/);
    await expect.poll(() => app.services.engine.state.status, { timeout: 60_000 }).toBe('ready');
    await expect
      .poll(() => page.locator('[data-testid=installed-model][data-active=true] [data-testid=model-speed]').textContent(), {
        timeout: 60_000,
      })
      .toMatch(/tok\/s$/);
    // The finished download's "Model ready" went with the switch: it would name the wrong model now.
    expect(await page.locator('[data-testid=download]').count()).toBe(0);
    await screenshot(page, '24-installed-models');
    expect(browser.problems).toEqual([]);
  });
});
