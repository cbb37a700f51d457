/**
 * Seeing and steering what the model thinks (issue 12), end to end: Debian's Chromium on `kaituhi serve` with the
 * real engine on a generated tiny GPT-2. The alternatives on a model-written word, picked with the mouse or the
 * keyboard, and the history tree that keeps what they replaced.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import {
  editorText,
  focusEditor,
  GHOST,
  markedTexts,
  newDraft,
  screenshot,
  startApp,
  visibleGhostText,
  type AppUnderTest,
} from './support/app.js';

const SETTLE = { timeout: 10_000 };
const PROMPT = 'The lighthouse keeper climbed the stairs';

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  app = await startApp({
    modelDir: await testModel('tiny-seed1'),
    settings: (defaults) => ({
      ...defaults,
      sampler: { ...defaults.sampler, seed: 11 },
      inline: { ...defaults.inline, maxTokens: 12, alternatives: 2, debounceMs: 300, length: 'phrase' },
    }),
  });
  expect(app.services.engine.state.status).toBe('ready');
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
});

beforeEach(async () => {
  await page.goto(app.server.url);
  await newDraft(page);
  await focusEditor(page);
});

/** The open draft's history tree as the drafts service keeps it (what history.json will hold). */
async function serviceTree() {
  const [id] = app.services.drafts.library.buffers.ids();
  return app.services.drafts.library.buffers.history(id!);
}

/** Types the prompt, waits for ghost text and accepts it with Tab; returns the whole text after. */
async function acceptGhost(): Promise<string> {
  await page.keyboard.type(PROMPT, { delay: 25 });
  await page.waitForSelector(GHOST, { timeout: 60_000 });
  await expect.poll(() => visibleGhostText(page), SETTLE).not.toBe('');
  await page.keyboard.press('Tab');
  await expect.poll(async () => (await markedTexts(page)).length, SETTLE).toBe(1);
  return editorText(page);
}

/** The offset of the first letter the model wrote (with a random model its first token may be punctuation). */
function firstModelLetter(text: string): number {
  const at = text.slice(PROMPT.length).search(/\p{L}/u);
  expect(at, `no letter in the model's text: ${JSON.stringify(text.slice(PROMPT.length))}`).toBeGreaterThanOrEqual(0);
  return PROMPT.length + at;
}

describe('alternatives on model-written words', () => {
  it('hover shows them; picking one writes the rest again as one undo step, and the old text stays in the history tree', async () => {
    const before = await acceptGhost();
    const point = await page.evaluate((offset) => window.__kaituhi?.editor?.pointAt(offset) ?? null, firstModelLetter(before));
    expect(point).not.toBeNull();
    await page.mouse.move(point!.x, point!.y);
    const link = page.locator('.monaco-hover a[data-href^="command:kaituhi.pickAlternative"]').first();
    await link.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('.monaco-hover:not(.hidden)').textContent(), SETTLE).toContain('Alternatives');
    await screenshot(page, 'steer-01-alternatives-hover');
    const [tokenStart] = JSON.parse(decodeURIComponent((await link.getAttribute('data-href'))!.split('?')[1]!)) as [number, number];
    const picked = (await link.textContent())!.replace('␣', ' ');
    await link.click();

    await expect.poll(() => editorText(page), { timeout: 60_000 }).not.toBe(before);
    const after = await editorText(page);
    // The writer's words and the model's words before the picked token are untouched; the picked token follows.
    expect(after.slice(0, tokenStart)).toBe(before.slice(0, tokenStart));
    expect(after.slice(tokenStart).startsWith(picked.replace('↵', '\n'))).toBe(true);
    // Still the model's words, all of them.
    expect((await markedTexts(page)).join('')).toBe(after.slice(PROMPT.length));
    await screenshot(page, 'steer-02-alternative-picked');

    // The old text is a branch of the tree, as accepted once; the new text is the alternative, accepted now.
    await expect
      .poll(async () => (await serviceTree()).nodes.map((node) => [node.kind, node.text, node.accepted !== null]), SETTLE)
      .toEqual(
        expect.arrayContaining([
          ['suggestion', before.slice(tokenStart), true],
          ['alternative', after.slice(tokenStart), true],
        ]),
      );
    const tree = await serviceTree();
    const replaced = tree.nodes.find((node) => node.text === before.slice(tokenStart))!;
    const alternative = tree.nodes.find((node) => node.kind === 'alternative')!;
    expect(alternative.parent).toBe(replaced.parent);

    // One undo step takes the whole rewrite back.
    await page.keyboard.press('Control+z');
    await expect.poll(() => editorText(page), SETTLE).toBe(before);
    expect(browser.problems).toEqual([]);
  });

  it('Alt+Down on a model-written word lists them for the keyboard; Enter picks one', async () => {
    const before = await acceptGhost();
    const letter = firstModelLetter(before);
    // The caret onto the model's first word: the start of the draft, then right to it.
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < letter + 1; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Alt+ArrowDown');
    const options = page.locator('[data-testid=alternatives-list] [role=option]');
    await expect.poll(() => options.count(), SETTLE).toBeGreaterThan(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role')), SETTLE).toBe('option');
    await screenshot(page, 'steer-03-alternatives-list');
    // The list opens on its first option; go down to one that is not the word already written.
    const writtenIndex = await options.evaluateAll((nodes) => nodes.findIndex((node) => node.getAttribute('aria-selected') === 'true'));
    await page.keyboard.press('ArrowDown');
    if (writtenIndex === 1) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => editorText(page), { timeout: 60_000 }).not.toBe(before);
    expect((await editorText(page)).startsWith(PROMPT)).toBe(true);
    await expect.poll(async () => (await serviceTree()).nodes.some((node) => node.kind === 'alternative'), SETTLE).toBe(true);

    // Escape closes the list and gives the editor back its keys.
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(() => options.count(), SETTLE).toBeGreaterThan(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => options.count(), SETTLE).toBe(0);
    await page.keyboard.type('!');
    expect((await editorText(page)).includes('!')).toBe(true);
  });
});
