/**
 * Lore end to end in Chromium against server mode with the real engine: add a lorebook entry, type its key and see
 * the entry in the context inspector; the WebSocket request carries it; after a reload it is still there; draft
 * exports never contain it, while the lorebook exports as a file NovelAI reads.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import { editorText, focusEditor, screenshot, startApp, type AppUnderTest } from './support/app.js';
import { defaultLibraryDir } from '../../electron/services/drafts-service.js';
import { importLorebook } from '../../electron/common/lore-formats.js';
import type { Lorebook } from '../../electron/common/lore.js';

const SETTLE = { timeout: 15_000 };
const LORE_TEXT = 'Mere keeps the lighthouse on the rocks.';

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;
const sent: { lorebook?: Lorebook; context: string }[] = [];

beforeAll(async () => {
  app = await startApp({
    modelDir: await testModel('tiny-seed1'),
    settings: (defaults) => ({ ...defaults, inline: { ...defaults.inline, enabled: false } }),
  });
  browser = await openBrowser();
  page = browser.page;
  page.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as {
        type?: string;
        request?: { lorebook?: Lorebook; context: string };
      };
      if (message.type === 'generate' && message.request) sent.push(message.request);
    }),
  );
});

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
});

const library = () => defaultLibraryDir(dirname(app.settingsFile));
const draftJson = async (id: string) => JSON.parse(await readFile(join(library(), id, 'draft.json'), 'utf8')) as { lorebook?: Lorebook };
const loreSegments = () => page.locator('[data-testid=inspector-segment][data-source=lore] .inspector-label').allTextContents();

describe('lore in the browser', () => {
  it('an entry added and its key typed shows in the inspector, rides the WebSocket, survives a reload, and stays out of exports', async () => {
    const { id } = await app.services.drafts.library.catalog.create('Lore', 'The boat came in at dusk.');
    await page.goto(app.server.url);
    await page.waitForSelector('[data-testid=draft-title]');
    await page.locator('[data-testid=draft-item]', { hasText: 'Lore' }).locator('.draft-open').click();
    await expect.poll(() => editorText(page), SETTLE).toBe('The boat came in at dusk.');

    // Add an entry in the lore panel.
    await page.click('[data-testid=lore-button]');
    await page.click('[data-testid=lore-add]');
    const entry = page.locator('[data-testid=lore-entry]');
    await entry.locator('[data-testid=lore-entry-title]').fill('Mere');
    await entry.locator('[data-testid=lore-entry-keys]').fill('Mere');
    await entry.locator('[data-testid=lore-entry-text]').fill(LORE_TEXT);
    await expect
      .poll(async () => (await draftJson(id)).lorebook?.entries.map((e) => [e.title, e.keys, e.text]), SETTLE)
      .toEqual([['Mere', ['Mere'], LORE_TEXT]]);

    // The inspector (Ctrl+Shift+I) shows no lore until the key is in the text, then the entry, coloured as lore.
    await focusEditor(page);
    await page.keyboard.press('Control+Shift+I');
    await page.locator('[data-testid=inspector-summary]').waitFor(SETTLE);
    expect(await loreSegments()).toEqual([]);
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Mere waved from the pier.', { delay: 10 });
    await expect.poll(loreSegments, SETTLE).toEqual(['Lore · Mere · 10 tokens']);
    // The engine holds the window without it (warmed when the draft opened): the inspector says the entry comes in.
    expect(await page.locator('[data-testid=inspector-warning]').textContent()).toMatch(
      /^The lore entry “Mere” comes into the window: the next suggestion re-reads \d+ tokens after it\.$/,
    );
    const loreText = await page.locator('[data-testid=inspector-segment][data-source=lore] .inspector-pieces').textContent();
    expect(loreText).toBe(`${LORE_TEXT}\n`);
    await screenshot(page, 'lore-01-inspector');

    // A generation request carries the entry over the WebSocket.
    await page.click('[data-testid=continue-button]');
    await expect.poll(() => sent.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(sent.at(-1)?.context).toBe('The boat came in at dusk. Mere waved from the pier.');
    expect(sent.at(-1)?.lorebook?.entries.map((e) => [e.title, e.keys, e.text])).toEqual([['Mere', ['Mere'], LORE_TEXT]]);
    await page.locator('[data-testid=candidate-card]').first().waitFor(SETTLE);
    await expect.poll(() => page.locator('[data-testid=candidate-card]:not([data-status=done])').count(), { timeout: 60_000 }).toBe(0);
    await page.keyboard.press('Escape');

    // After a reload the entry is still there, and still in the window.
    await page.reload();
    await page.waitForSelector('[data-testid=draft-title]');
    await expect.poll(() => editorText(page), SETTLE).toBe('The boat came in at dusk. Mere waved from the pier.');
    await page.click('[data-testid=lore-button]');
    await expect.poll(() => page.locator('.lore-entry-name').allTextContents(), SETTLE).toEqual(['Mere']);
    await page.click('[data-testid=inspector-button]');
    await expect.poll(loreSegments, SETTLE).toEqual(['Lore · Mere · 10 tokens']);

    // Draft exports hold the text and never the lore.
    await page.click('[data-testid=export-open]');
    for (const format of ['md', 'docx'] as const) {
      await page.selectOption('[data-testid=export-format]', format);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-button]')]);
      const file = join(dirname(app.settingsFile), download.suggestedFilename());
      await download.saveAs(file);
      const bytes = await readFile(file);
      const content =
        format === 'docx' ? await (await JSZip.loadAsync(bytes)).file('word/document.xml')!.async('string') : bytes.toString('utf8');
      expect(content, format).toContain('Mere waved from the pier.');
      expect(content, format).not.toContain('lighthouse on the rocks');
    }

    // The lorebook itself exports, on request, as a file NovelAI reads (and Kaituhi reads back whole).
    await page.click('[data-testid=lore-button]');
    await page.selectOption('[data-testid=lore-export-format]', 'novelai');
    const [lore] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=lore-export]')]);
    expect(lore.suggestedFilename()).toBe('Lore lore.lorebook');
    const loreFile = join(dirname(app.settingsFile), lore.suggestedFilename());
    await lore.saveAs(loreFile);
    const back = importLorebook(await readFile(loreFile, 'utf8'), () => 'unused');
    expect(back.format).toBe('novelai');
    expect(back.lorebook).toEqual((await draftJson(id)).lorebook);
    expect(browser.problems).toEqual([]);
  });
});
