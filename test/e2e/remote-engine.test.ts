/**
 * Issue 15 end to end: the app (server mode, Debian's Chromium) uses a second `kaituhi serve`, on another port and in
 * a process of its own, as its engine through the completions API. Ghost text and cards come from that server, the
 * status bar names it, typing cancels a request in flight, and when that server is killed the writer is told, keeps
 * writing, and can switch back to this computer from the notice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import {
  builtRenderer,
  editorText,
  focusEditor,
  GHOST,
  inlineRecords,
  newDraft,
  normalise,
  screenshot,
  startApp,
  visibleGhostText,
  type AppUnderTest,
} from './support/app.js';

const SETTLE = { timeout: 10_000 };
const KEY = 'e2e-server-key-0123456789';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let home: string;
let server: { process: ChildProcess; api: string; port: number };
let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;

/** `kaituhi serve` in a process of its own, as a writer would start it on a GPU box: returns its API's address. */
async function startServerProcess(modelDir: string): Promise<{ process: ChildProcess; api: string; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'electron/cli/main.ts',
      'serve',
      '--port',
      '0',
      '--model',
      modelDir,
      '--settings',
      join(home, 'server-settings.json'),
      '--renderer',
      await builtRenderer(),
      '--api-key',
      KEY,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kaituhi serve did not start:\n${out}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /completions API: (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out)?.[1];
      // Ready once the model has loaded too.
      if (url && /^model: .* on cpu$/m.test(out)) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => reject(new Error(`kaituhi serve exited (${code}):\n${out}`)));
  });
  return { process: child, api, port: Number(new URL(api).port) };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'kaituhi-e2e-remote-'));
  const modelDir = await testModel('tiny-seed1');
  server = await startServerProcess(modelDir);
  // The app has a local model too (--model): the one it switches back to.
  app = await startApp({
    modelDir,
    settings: (defaults) => ({
      ...defaults,
      sampler: { ...defaults.sampler, seed: 7 },
      inline: { ...defaults.inline, maxTokens: 16, alternatives: 3, debounceMs: 300 },
      continuation: { candidates: 3, maxTokens: 40 },
      engine: { source: 'remote', url: server.api, apiKey: KEY, model: '' },
    }),
  });
  browser = await openBrowser();
  page = browser.page;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
  if (server && server.process.exitCode === null) server.process.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

beforeEach(async () => {
  await page.goto(app.server.url);
  await newDraft(page);
  await focusEditor(page);
});

async function waitForGhost(): Promise<string> {
  await page.waitForSelector(GHOST, { timeout: 60_000 });
  await expect.poll(() => visibleGhostText(page), SETTLE).not.toBe('');
  return visibleGhostText(page);
}

describe('a second kaituhi serve as the engine', () => {
  it('writes the ghost text, and the status bar names the server, its model and its latency', async () => {
    // No model of its own is loaded: the server does the work.
    expect(app.services.engine.state).toMatchObject({ status: 'ready', info: null, remote: { url: server.api, model: 'tiny-seed1' } });
    await page.keyboard.type('The lighthouse keeper climbed the stairs', { delay: 25 });
    const ghost = await waitForGhost();
    expect(ghost.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid=engine-server]').textContent(), SETTLE).toBe(`127.0.0.1:${server.port}`);
    expect(await page.locator('[data-testid=model-name]').textContent()).toBe('tiny-seed1');
    expect(await page.locator('[data-testid=server-latency]').textContent()).toMatch(/^\d[\d,]* ms$/);
    expect(await page.locator('[data-testid=device]').count()).toBe(0);
    await screenshot(page, '30-remote-ghost');

    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator(GHOST).count(), SETTLE).toBe(0);
    const typed = 'The lighthouse keeper climbed the stairs';
    const text = await editorText(page);
    expect(text.startsWith(typed)).toBe(true);
    expect(normalise(text.slice(typed.length))).toBe(ghost);
    expect(browser.problems).toEqual([]);
  });

  it('streams three cards from the server for Ctrl+Enter', async () => {
    await page.keyboard.type('The ferry left at dawn.', { delay: 20 });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+Enter');
    const cards = page.locator('[data-testid=candidate-card]');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=done]').count(), { timeout: 60_000 }).toBe(3);
    const bodies = await page.locator('[data-testid=candidate-card] .card-body').allTextContents();
    expect(bodies.every((body) => body.trim().length > 0)).toBe(true);
    expect(new Set(bodies).size).toBe(3);
    await screenshot(page, '31-remote-cards');
    await page.keyboard.press('Escape');
  });

  it('typing while a request is in flight cancels it, and only the latest text gets a suggestion', async () => {
    const settings = app.services.settings.state.settings;
    await app.services.saveSettings({ ...settings, inline: { ...settings.inline, maxTokens: 300 } });
    await page.waitForTimeout(200);
    await page.keyboard.type('The storm had passed', { delay: 25 });
    await expect
      .poll(async () => (await inlineRecords(page)).some((record) => record.outcome === 'pending'), { timeout: 30_000 })
      .toBe(true);
    const inFlight = (await inlineRecords(page)).find((record) => record.outcome === 'pending')!;
    await app.services.saveSettings(settings);
    await page.keyboard.type(' by morning', { delay: 25 });
    await waitForGhost();
    const records = await inlineRecords(page);
    expect(['cancelled', 'stale']).toContain(records.find((record) => record.seq === inFlight.seq)!.outcome);
    const latest = records.filter((record) => record.outcome === 'shown').at(-1)!;
    expect(latest.contextTail.endsWith('The storm had passed by morning')).toBe(true);
  });

  it('when the server is killed: a notice, the editor keeps working, and “Use this computer” brings the local engine', async () => {
    await page.keyboard.type('Rain on the harbour', { delay: 20 });
    await waitForGhost();
    server.process.kill('SIGKILL');
    await new Promise((resolve) => server.process.once('exit', resolve));

    await page.keyboard.type(' and the boats', { delay: 25 });
    const notice = page.locator('[data-testid^=notice-remote-unreachable]');
    await notice.waitFor({ timeout: 40_000 });
    expect(await notice.textContent()).toMatch(new RegExp(`${server.api.replace(/[./]/g, '\\$&')} is not answering.*text is safe`));
    expect(await page.locator('[data-testid=engine-status]').textContent()).toBe('Server unavailable');
    expect(await page.locator('[data-testid=continue-button]').isDisabled()).toBe(true);
    await page.keyboard.type(', still writing.', { delay: 10 });
    await expect.poll(() => editorText(page), SETTLE).toBe('Rain on the harbour and the boats, still writing.');
    await screenshot(page, '32-remote-down');

    await page.click('[data-testid=use-this-computer]');
    await expect.poll(() => page.locator('[data-testid=model-name]').textContent(), { timeout: 60_000 }).toBe('tiny-seed1 · fp32');
    expect(await notice.count()).toBe(0);
    expect(await page.locator('[data-testid=engine-server]').count()).toBe(0);
    const saved = JSON.parse(await readFile(app.settingsFile, 'utf8')) as { engine: { source: string; url: string } };
    expect(saved.engine).toMatchObject({ source: 'local', url: server.api });
    // The key is kept with the settings, and nowhere on the page.
    expect(await page.content()).not.toContain(KEY);

    // The focus went back to the text: typing goes on where it was.
    await page.keyboard.type(' The tide', { delay: 25 });
    expect(await editorText(page)).toBe('Rain on the harbour and the boats, still writing. The tide');
    expect((await waitForGhost()).length).toBeGreaterThan(0);
    expect(browser.problems).toEqual([]);
  });
});
