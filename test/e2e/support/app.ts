import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildRenderer } from '../../../scripts/build-renderer.js';
import { serve, type ServeHandle } from '../../../electron/cli/commands/serve.js';
import { defaultSettings, type Settings } from '../../../electron/common/settings.js';

export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

let built: Promise<string> | null = null;

/** Builds the renderer once per test file into a temporary folder, as a clean clone would. */
export function builtRenderer(): Promise<string> {
  built ??= mkdtemp(join(tmpdir(), 'kaituhi-renderer-')).then((dir) => buildRenderer(dir));
  return built;
}

export interface AppUnderTest extends ServeHandle {
  settingsFile: string;
  cleanup(): Promise<void>;
}

/** Server mode with the real engine (its own process) on `modelDir`, and settings written up front. */
export async function startApp(options: {
  modelDir: string | null;
  settings?: (defaults: Settings) => Settings;
  rawSettings?: string;
}): Promise<AppUnderTest> {
  const home = await mkdtemp(join(tmpdir(), 'kaituhi-e2e-'));
  const settingsFile = join(home, 'settings.json');
  if (options.rawSettings !== undefined) await writeFile(settingsFile, options.rawSettings);
  else if (options.settings) await writeFile(settingsFile, JSON.stringify(options.settings(defaultSettings())));
  const handle = await serve({ port: 0, modelDir: options.modelDir, settingsFile, rendererDir: await builtRenderer() });
  // The tests start from a loaded model (or a settled failure), as a writer would after the first moments.
  await handle.modelSettled;
  return {
    ...handle,
    settingsFile,
    cleanup: async () => {
      await handle.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The editor's text, read through the app's diagnostics probe (the DOM only holds the visible lines). */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() => window.__kaituhi?.editor?.text() ?? '');
}

export function markedTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__kaituhi?.editor?.markedTexts() ?? []);
}

/** Where Monaco draws ghost text. */
export const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';

/** The ghost text on screen, whitespace-normalised (Monaco splits it across spans and wrapped lines). */
export async function visibleGhostText(page: Page): Promise<string> {
  const parts = await page.locator(GHOST).allTextContents();
  return normalise(parts.join(''));
}

export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export async function focusEditor(page: Page): Promise<void> {
  await page.waitForSelector('.monaco-editor .view-lines');
  // The last draft opens into the editor after the page loads; keys typed before that would go to the blank model it replaces.
  await page.waitForSelector('[data-testid=draft-title]');
  await page.click('.monaco-editor .view-lines');
}

/** Starts a new, empty draft (the last one reopens at every page load) and waits until the editor holds it. */
export async function newDraft(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=draft-title]');
  const before = await page.locator('[data-testid=draft-item]').count();
  await page.click('[data-testid=new-draft]');
  await page.waitForFunction(
    (count) => document.querySelectorAll('[data-testid=draft-item]').length > count && (window.__kaituhi?.editor?.text() ?? 'x') === '',
    before,
  );
}

export function inlineRecords(page: Page) {
  return page.evaluate(() => (window.__kaituhi?.inline ?? []).map((record) => ({ ...record })));
}
