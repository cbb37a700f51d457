/**
 * A Chinese writer end to end, in Debian's Chromium against `kaituhi serve` with the real engine on a generated
 * Chinese GPT-2 (BERT vocabulary, [CLS] … [SEP]): typing through an input method (real composition events from the
 * browser's IME interface, Input.imeSetComposition / Input.insertText over CDP), and the interface in Chinese,
 * switched to English and back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import {
  editorText,
  focusEditor,
  GHOST,
  inlineRecords,
  newDraft,
  screenshot,
  startApp,
  visibleGhostText,
  type AppUnderTest,
} from './support/app.js';

const SETTLE = { timeout: 10_000 };
const DEBOUNCE_MS = 300;

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;
let cdp: CDPSession;

beforeAll(async () => {
  const modelDir = await testModel('tiny-chinese-seed5', { seed: 5, tokenizer: 'bert-chinese' });
  app = await startApp({
    modelDir,
    settings: (defaults) => ({
      ...defaults,
      sampler: { ...defaults.sampler, seed: 7 },
      inline: { ...defaults.inline, maxTokens: 12, alternatives: 2, debounceMs: DEBOUNCE_MS },
      continuation: { candidates: 2, maxTokens: 12 },
    }),
  });
  expect(app.services.engine.state.status).toBe('ready');
  browser = await openBrowser({ locale: 'zh-CN' });
  page = browser.page;
  cdp = await page.context().newCDPSession(page);
});

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
});

/** What an input method sends while the writer types pinyin: the composition so far, not yet text. */
async function compose(text: string): Promise<void> {
  await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
}

/** The writer picks the characters: the composition is committed as this text. */
async function commit(text: string): Promise<void> {
  await cdp.send('Input.insertText', { text });
}

/** A fresh draft in a freshly loaded page, with `text` typed through the input method. */
async function draftWith(text: string): Promise<void> {
  await page.goto(app.server.url);
  await newDraft(page);
  await focusEditor(page);
  await commit(text);
}

describe('typing through an input method', () => {
  it('asks nothing and shows no ghost while composing; after the commit the usual pause brings a suggestion', async () => {
    await draftWith('黛玉听了');
    await page.waitForSelector(GHOST, { timeout: 60_000 });
    await screenshot(page, 'zh-01-ghost-after-commit');

    // Pinyin arrives letter by letter, slower than the debounce: not one request, not one ghost.
    const before = (await inlineRecords(page)).length;
    for (const pinyin of ['x', 'xi', 'xia', 'xiao', 'xiaod', 'xiaoda', 'xiaodao']) {
      await compose(pinyin);
      await page.waitForTimeout(DEBOUNCE_MS + 100);
      expect(await page.locator(GHOST).count(), `ghost while composing "${pinyin}"`).toBe(0);
    }
    await screenshot(page, 'zh-02-composing');
    expect((await inlineRecords(page)).length).toBe(before);

    // Alt+\ (suggest now) during a composition asks nothing either.
    await page.keyboard.press('Alt+Backslash');
    await page.waitForTimeout(DEBOUNCE_MS + 100);
    expect((await inlineRecords(page)).length).toBe(before);
    expect(await page.locator(GHOST).count()).toBe(0);

    // The commit ends the composition; the pause runs from there, and the request carries the committed 汉字.
    const committedAt = Date.now();
    await commit('笑道');
    await expect.poll(async () => (await inlineRecords(page)).length, { timeout: 30_000 }).toBeGreaterThan(before);
    const waited = Date.now() - committedAt;
    expect(waited).toBeGreaterThanOrEqual(DEBOUNCE_MS);
    const request = (await inlineRecords(page)).at(-1)!;
    expect(request.contextTail.endsWith('黛玉听了笑道')).toBe(true);
    expect(request.contextTail).not.toMatch(/[a-z]/);
    await page.waitForSelector(GHOST, { timeout: 60_000 });
    await expect.poll(() => visibleGhostText(page), SETTLE).not.toBe('');
    expect(await editorText(page)).toBe('黛玉听了笑道');
    await screenshot(page, 'zh-03-ghost-after-second-commit');
  });

  it('a ghost on screen goes when a composition starts, and Tab or Ctrl+→ then accepts nothing and commits nothing', async () => {
    // A line after the caret: without the guard, Ctrl+→ would move the caret there, out of the composition.
    await draftWith('宝玉道');
    await page.keyboard.press('Enter');
    await commit('黛玉笑');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.press('Alt+Backslash');
    await page.waitForSelector(GHOST, { timeout: 60_000 });
    const ghost = await visibleGhostText(page);
    expect(ghost).not.toBe('');

    await compose('ni');
    await expect.poll(() => page.locator(GHOST).count(), SETTLE).toBe(0);
    const composing = await editorText(page);
    const records = (await inlineRecords(page)).length;
    // Tab accepts the whole suggestion, Ctrl+→ its next word: during a composition neither does anything.
    for (const key of ['Tab', 'Control+ArrowRight']) {
      await page.keyboard.press(key);
      await page.waitForTimeout(DEBOUNCE_MS + 100);
      // The suggestion was not inserted, nor asked for again, nor shown again, and the half-typed pinyin is
      // still a composition, not text.
      expect(await page.locator(GHOST).count(), `ghost after ${key}`).toBe(0);
      expect(await editorText(page), `text after ${key}`).toBe(composing);
      expect((await inlineRecords(page)).length, `requests after ${key}`).toBe(records);
    }
    expect(composing.startsWith('宝玉道')).toBe(true);
    expect(composing).not.toContain(ghost.replace(/\s/g, '').slice(0, 2));
    expect(composing.slice('宝玉道'.length)).not.toMatch(/\t/);

    await commit('你');
    await expect.poll(() => editorText(page), SETTLE).toBe('宝玉道你\n黛玉笑');
    expect(browser.problems).toEqual([]);
  });

  it('text committed exactly as it was composed still brings a suggestion after the pause', async () => {
    await draftWith('他说：');
    await page.waitForSelector(GHOST, { timeout: 60_000 });
    await page.keyboard.press('Escape');
    const before = (await inlineRecords(page)).length;
    // The writer keeps the letters as typed (Enter in most pinyin input methods): the text does not change at commit.
    await compose('ok');
    await page.waitForTimeout(DEBOUNCE_MS + 100);
    expect((await inlineRecords(page)).length).toBe(before);
    await commit('ok');
    await expect.poll(async () => (await inlineRecords(page)).length, { timeout: 30_000 }).toBeGreaterThan(before);
    expect((await inlineRecords(page)).at(-1)!.contextTail.endsWith('他说：ok')).toBe(true);
    await page.waitForSelector(GHOST, { timeout: 60_000 });
    expect(browser.problems).toEqual([]);
  });
});

/** Latin words a Chinese screen may show: names, keys, units and formats, the same in any language. */
const LATIN_ALLOWED = new Set([
  'Kaituhi',
  'GPT',
  'ONNX',
  'Hugging',
  'Face',
  'CPU',
  'GPU',
  'Ctrl',
  'Cmd',
  'Shift',
  'Alt',
  'Enter',
  'English',
  'Word',
  'EPUB',
  'PDF',
  'Markdown',
  'NovelAI',
  'SillyTavern',
  'KoboldAI',
  'KB',
  'MB',
  'GB',
  // The completions API and the servers that speak it (Settings → Engine).
  'OpenAI',
  'API',
  'vLLM',
  'TGI',
  'KoboldCpp',
  // A sampler's name, as top-k is (Settings → Anti-slop).
  'DRY',
]);

/**
 * Every string the interface shows: visible text (not the writer's, not the model's, not command lines), the
 * visible selects' options, and the titles, labels and placeholders of visible elements outside the editor.
 */
function interfaceStrings(): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const visible = (element: Element): boolean => {
      const box = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
    };
    // The writer's text and titles, the model's text (also as read to a screen reader) and name, command lines, and the engine's own words on why it
    // is not on the GPU (shown after a translated "fell back:" on hover) are data, the same in any language.
    const data =
      '.monaco-editor .view-lines, .ghost-text, .ghost-text-decoration, .monaco-aria-container, [data-testid=suggestion-announcer], .card-body, .history-text, code, .draft-title, [data-testid=draft-title], [data-testid=model-name], [data-testid=device], .lore-data, .inspector-pieces';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.textContent?.trim();
      if (!parent || !text || parent.closest(data) || !visible(parent)) continue;
      out.push(text);
    }
    for (const select of document.querySelectorAll('select')) {
      if (visible(select)) for (const option of select.options) out.push(option.text.trim());
    }
    for (const element of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
      if (element.closest('.monaco-editor') || element.closest(data) || !visible(element)) continue;
      for (const name of ['title', 'aria-label', 'placeholder']) {
        const value = element.getAttribute(name)?.trim();
        if (value) out.push(value);
      }
    }
    return out;
  });
}

/** Latin words outside identifiers, paths, file names and key chords, that the allow-list does not know. */
function englishWords(strings: readonly string[]): string[] {
  return strings.flatMap((text) =>
    text
      .split(/[\s（），。：、]+/u)
      .filter((token) => !/[\d/\\._@+-]/.test(token))
      .flatMap((token) => token.match(/[A-Za-z]{2,}/g) ?? [])
      .filter((word) => !LATIN_ALLOWED.has(word)),
  );
}

const CJK = /[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]/u;

type PanelName = 'none' | 'settings' | 'models' | 'draft' | 'export' | 'history' | 'candidates' | 'lore' | 'inspector';

const OPENERS: Record<Exclude<PanelName, 'none' | 'candidates'>, string> = {
  settings: '[data-testid=settings-button]',
  models: '[data-testid=models-button]',
  draft: '[data-testid=draft-button]',
  export: '[data-testid=export-open]',
  history: '[data-testid=history-button]',
  lore: '[data-testid=lore-button]',
  inspector: '[data-testid=inspector-button]',
};

/** Opens one panel (closing the others), waits for its content, and returns what the screen says. */
async function visit(panel: PanelName, shot: string): Promise<string[]> {
  await page.keyboard.press('Escape');
  for (const close of await page.locator('.side-panel .panel-header .icon-button').all()) await close.click();
  if (panel === 'candidates') {
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=done]').count(), { timeout: 60_000 }).toBe(2);
  } else if (panel !== 'none') {
    await page.click(OPENERS[panel]);
    await page.locator(`[data-testid=${panel === 'settings' ? 'settings' : panel}-panel]`).waitFor(SETTLE);
    if (panel === 'models') await page.locator('[data-testid=model-picker]').waitFor({ timeout: 30_000 });
    if (panel === 'draft') await page.locator('[data-testid=words-today]').waitFor(SETTLE);
    if (panel === 'inspector') await page.locator('[data-testid=inspector-summary]').waitFor(SETTLE);
  }
  await page.waitForTimeout(300);
  await screenshot(page, shot);
  return interfaceStrings();
}

/** Saves a language in Settings and waits until the page has switched to `shown`. */
async function chooseLanguage(language: 'system' | 'en' | 'zh-CN', shown: 'en' | 'zh-CN'): Promise<void> {
  await visit('settings', `zh-language-${language}`);
  await page.selectOption('[data-testid=language-select]', language);
  await page.click('[data-testid=save-settings]');
  await expect.poll(() => app.services.settings.state.settings.language, SETTLE).toBe(language);
  await expect.poll(() => page.evaluate(() => document.documentElement.lang), SETTLE).toBe(shown);
}

describe('the interface in Chinese', () => {
  const panels: PanelName[] = ['none', 'settings', 'models', 'draft', 'export', 'history', 'lore', 'inspector', 'candidates'];

  it('follows the browser’s language, leaves no English on any screen, and switches to English and back in Settings', async () => {
    await draftWith('满纸荒唐言，一把辛酸泪。');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await expect.poll(() => page.locator('[data-testid=settings-button]').textContent(), SETTLE).toBe('设置');
    await expect.poll(() => page.locator('[data-testid=word-count]').textContent(), SETTLE).toMatch(/^字数 \d+$/);
    const device = page.locator('[data-testid=device]');
    expect(await device.getAttribute('title')).toMatch(/^(已退回：|运行于 )/);

    const chinese = new Map<PanelName, string[]>();
    for (const panel of panels) {
      const strings = await visit(panel, `zh-10-${panel}`);
      chinese.set(panel, strings);
      expect(englishWords(strings), `English on the Chinese ${panel} screen: ${JSON.stringify(strings)}`).toEqual([]);
    }
    // The first-run picker offers a Chinese writer the modern Chinese model, and says what it is for in Chinese.
    await visit('models', 'zh-11-models-picker');
    expect(await page.locator('[data-testid=recommended-model]').getAttribute('data-variant-id')).toBe('gpt2-chinese-checkpoint');
    expect(await page.locator('[data-testid=recommended-use]').textContent()).toBe('现代汉语散文与小说');

    await chooseLanguage('en', 'en');
    for (const panel of panels) {
      const strings = await visit(panel, `en-10-${panel}`);
      // Every Chinese string of that screen is gone: nothing was left untranslated in the English table.
      const left = chinese.get(panel)!.filter((text) => CJK.test(text) && strings.includes(text) && text !== '简体中文');
      expect(left, `unchanged on the ${panel} screen`).toEqual([]);
      expect(
        strings.filter((text) => CJK.test(text) && text !== '简体中文'),
        `Chinese left on the English ${panel} screen`,
      ).toEqual([]);
    }
    await visit('models', 'en-11-models-picker');
    expect(await page.locator('[data-testid=recommended-model]').getAttribute('data-variant-id')).toBe('gpt2-onnx-int8');

    // Back to the system's (here the browser's) language.
    await chooseLanguage('system', 'zh-CN');
    await expect.poll(() => page.locator('[data-testid=settings-button]').textContent(), SETTLE).toBe('设置');
    expect(browser.problems).toEqual([]);
  });
});
