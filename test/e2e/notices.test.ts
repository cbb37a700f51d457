/**
 * The app without a model, with a damaged settings file: the editor still works, and the writer is told
 * what is wrong and what to do. Also the settings panel and the dark theme, for the screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { openBrowser, type BrowserSession } from './support/browser.js';
import { editorText, focusEditor, screenshot, startApp, type AppUnderTest } from './support/app.js';

/** UI waits (not model waits): generous, because the two cores are shared. */
const SETTLE = { timeout: 10_000 };

let app: AppUnderTest;
let browser: BrowserSession;

beforeAll(async () => {
  app = await startApp({ modelDir: null, rawSettings: '{"version": 1, "theme": "sepia", ' });
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
});

describe('without a model, after a damaged settings file', () => {
  it('says how to get a model and that the settings fell back to defaults; typing still works', async () => {
    const { page } = browser;
    await page.goto(app.server.url);
    await focusEditor(page);
    const noModel = page.locator('[data-testid=notice-no-model]');
    await noModel.waitFor();
    expect(await noModel.textContent()).toMatch(/No model is loaded.*--model DIR.*make-test-model/);
    expect(await page.locator('[data-testid=notice-settings]').textContent()).toMatch(/settings file was damaged.*defaults/);
    expect(await page.locator('[data-testid=engine-status]').textContent()).toBe('No model');
    expect(await page.locator('[data-testid=continue-button]').isDisabled()).toBe(true);

    await page.keyboard.type('Words still go in. 中文也可以。', { delay: 10 });
    await page.waitForTimeout(700);
    expect(await editorText(page)).toBe('Words still go in. 中文也可以。');
    expect(await page.locator('.monaco-editor .ghost-text-decoration').count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid=word-count]').textContent(), SETTLE).toMatch(/^\d+ words$/);
    await screenshot(page, '10-no-model');
    expect(browser.problems).toEqual([]);
  });

  it('saves settings from the panel, atomically, and they validate on the next load', async () => {
    const { page } = browser;
    await page.click('[data-testid=settings-button]');
    const panel = page.locator('[data-testid=settings-panel]');
    await panel.waitFor();
    await screenshot(page, '11-settings');
    await panel.getByLabel('Theme').selectOption('dark');
    await panel.getByLabel('Candidates').fill('4');
    await page.click('[data-testid=save-settings]');
    await expect.poll(async () => JSON.parse(await readFile(app.settingsFile, 'utf8')).theme as string, SETTLE).toBe('dark');
    const saved = JSON.parse(await readFile(app.settingsFile, 'utf8')) as { continuation: { candidates: number } };
    expect(saved.continuation.candidates).toBe(4);
    expect((await app.services.settings.load()).notice).toBeNull();

    // Out of range: the form refuses to submit (and the services would refuse it too).
    await panel.getByLabel('Candidates').fill('99');
    await page.click('[data-testid=save-settings]');
    expect(await panel.getByLabel('Candidates').evaluate((input) => (input as HTMLInputElement).checkValidity())).toBe(false);
    await page.waitForTimeout(300);
    expect((JSON.parse(await readFile(app.settingsFile, 'utf8')) as { continuation: { candidates: number } }).continuation.candidates).toBe(
      4,
    );
    await page.click('[aria-label="Close settings"]');
    await page.waitForTimeout(300);
    await screenshot(page, '12-dark-theme');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  });
});
