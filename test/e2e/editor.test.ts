/**
 * The writing app end to end: Debian's Chromium drives the real UI, served by `kaituhi serve` code, with the
 * real engine in its own process on a generated tiny GPT-2. Nothing is mocked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import {
  editorText,
  focusEditor,
  newDraft,
  inlineRecords,
  markedTexts,
  normalise,
  screenshot,
  startApp,
  visibleGhostText,
  GHOST,
  type AppUnderTest,
} from './support/app.js';

/** UI waits (not model waits): generous, because the two cores are shared. */
const SETTLE = { timeout: 10_000 };

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  const modelDir = await testModel('tiny-seed1');
  app = await startApp({
    modelDir,
    settings: (defaults) => ({
      ...defaults,
      sampler: { ...defaults.sampler, seed: 7 },
      inline: { ...defaults.inline, maxTokens: 16, alternatives: 3, debounceMs: 300 },
      continuation: { candidates: 3, maxTokens: 60 },
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
  // Each test writes in a draft of its own (the last draft reopens at every page load).
  await newDraft(page);
  await focusEditor(page);
});

async function waitForGhost(): Promise<string> {
  await page.waitForSelector(GHOST, { timeout: 60_000 });
  await expect.poll(() => visibleGhostText(page), { timeout: 10_000 }).not.toBe('');
  return visibleGhostText(page);
}

async function typeSlowly(text: string): Promise<void> {
  await page.keyboard.type(text, { delay: 25 });
}

describe('inline ghost text', () => {
  it('appears after a pause, and Tab inserts it, marked as the model’s', async () => {
    await typeSlowly('The lighthouse keeper climbed the stairs');
    const ghost = await waitForGhost();
    await screenshot(page, '01-ghost-text');
    const shown = (await inlineRecords(page)).filter((record) => record.outcome === 'shown').at(-1);
    expect(shown?.alternatives.map(normalise)).toContain(ghost);

    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator(GHOST).count(), SETTLE).toBe(0);
    const text = await editorText(page);
    const typed = 'The lighthouse keeper climbed the stairs';
    expect(text.startsWith(typed)).toBe(true);
    expect(normalise(text.slice(typed.length))).toBe(ghost);
    expect((await markedTexts(page)).map(normalise)).toEqual([ghost]);
    await screenshot(page, '02-accepted-and-marked');
    // Monaco's editor worker runs as a same-origin worker under the CSP (no fallback to the main thread).
    expect(page.workers().map((worker) => worker.url())).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/assets\/editor\.worker-[\w-]+\.js$/)]),
    );

    // Editing inside the model's words makes them the writer's: the mark goes.
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type('x');
    await expect.poll(() => markedTexts(page), SETTLE).toEqual([]);
    expect(browser.problems).toEqual([]);
  });

  it('Alt+] shows a different alternative, Alt+[ goes back, Esc dismisses', async () => {
    await typeSlowly('She opened the letter and');
    const first = await waitForGhost();
    const shown = (await inlineRecords(page)).filter((record) => record.outcome === 'shown').at(-1);
    expect(shown && shown.alternatives.length).toBeGreaterThan(1);
    const requestsBefore = (await inlineRecords(page)).length;

    await page.keyboard.press('Alt+BracketRight');
    await expect.poll(() => visibleGhostText(page), SETTLE).not.toBe(first);
    const second = await visibleGhostText(page);
    expect(shown?.alternatives.map(normalise)).toContain(second);
    await screenshot(page, '03-next-alternative');

    await page.keyboard.press('Alt+BracketLeft');
    await expect.poll(() => visibleGhostText(page), SETTLE).toBe(first);
    // Cycling reuses the alternatives already decoded; it does not start another generation.
    expect((await inlineRecords(page)).length).toBe(requestsBefore);

    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(GHOST).count(), SETTLE).toBe(0);
    expect(await editorText(page)).toBe('She opened the letter and');
  });

  it('Alt+\\ asks at once, and Ctrl+→ accepts one word', async () => {
    await app.services.saveSettings({
      ...app.services.settings.state.settings,
      inline: { ...app.services.settings.state.settings.inline, debounceMs: 5000 },
    });
    await page.waitForTimeout(200);
    await typeSlowly('Night fell over the');
    await page.waitForTimeout(800);
    expect(await page.locator(GHOST).count()).toBe(0);
    await page.keyboard.press('Alt+Backslash');
    const ghost = await waitForGhost();
    await page.keyboard.press('Control+ArrowRight');
    await expect.poll(async () => (await editorText(page)).length, SETTLE).toBeGreaterThan('Night fell over the'.length);
    const text = await editorText(page);
    expect(ghost.startsWith(normalise(text.slice('Night fell over the'.length)))).toBe(true);
    await app.services.saveSettings({
      ...app.services.settings.state.settings,
      inline: { ...app.services.settings.state.settings.inline, debounceMs: 300 },
    });
  });

  it('typing while a request is in flight cancels it and never shows its stale suggestion', async () => {
    const settings = app.services.settings.state.settings;
    // Long suggestions keep the first request running while we type on.
    await app.services.saveSettings({ ...settings, inline: { ...settings.inline, maxTokens: 300 } });
    await page.waitForTimeout(200);
    await typeSlowly('The storm had passed');
    await expect
      .poll(async () => (await inlineRecords(page)).some((record) => record.outcome === 'pending'), { timeout: 30_000 })
      .toBe(true);
    const inFlight = (await inlineRecords(page)).find((record) => record.outcome === 'pending')!;
    // Short suggestions again for the request that follows, so the whole ghost fits on screen.
    await app.services.saveSettings(settings);
    await typeSlowly(' by morning');

    await waitForGhost();
    const records = await inlineRecords(page);
    const first = records.find((record) => record.seq === inFlight.seq)!;
    expect(['cancelled', 'stale']).toContain(first.outcome);
    const latest = records.filter((record) => record.outcome === 'shown').at(-1)!;
    expect(latest.contextTail.endsWith('The storm had passed by morning')).toBe(true);
    expect(latest.alternatives.map(normalise)).toContain(await visibleGhostText(page));
  });
});

describe('continue selection', () => {
  it('streams N cards; a click inserts after the selection as one undo step', async () => {
    await typeSlowly('The ferry left at dawn.');
    await page.keyboard.press('Enter');
    await typeSlowly('Nobody waved.');
    await page.keyboard.press('Escape');
    const original = await editorText(page);
    // Select the first line.
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Control+Enter');

    const cards = page.locator('[data-testid=candidate-card]');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(3);
    // Streaming: a card shows text while it is still being written.
    await expect
      .poll(
        async () =>
          page
            .locator('[data-testid=candidate-card][data-status=streaming] .card-body')
            .evaluateAll((nodes) => nodes.some((node) => (node.textContent ?? '').replace('Writing…', '').trim().length > 0)),
        {
          timeout: 30_000,
          interval: 20,
        },
      )
      .toBe(true);
    await screenshot(page, '04-cards-streaming');
    await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=done]').count(), { timeout: 60_000 }).toBe(3);
    await screenshot(page, '05-cards-done');

    const chosen = await cards.nth(1).locator('.card-body').textContent();
    await cards.nth(1).locator('.card-body').click();
    await expect.poll(() => cards.count(), SETTLE).toBe(0);
    const inserted = await editorText(page);
    expect(inserted.startsWith('The ferry left at dawn.')).toBe(true);
    expect(inserted.endsWith('\nNobody waved.')).toBe(true);
    const continuation = inserted.slice('The ferry left at dawn.'.length, inserted.length - '\nNobody waved.'.length);
    expect(normalise(continuation)).toBe(normalise(chosen ?? ''));
    expect((await markedTexts(page)).map(normalise)).toEqual([normalise(continuation)]);
    await screenshot(page, '06-inserted');

    await page.keyboard.press('Control+z');
    await expect.poll(() => editorText(page), SETTLE).toBe(original);
  });

  it('Regenerate replaces one card', async () => {
    await typeSlowly('It was the last train home.');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+Enter');
    const cards = page.locator('[data-testid=candidate-card]');
    await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=done]').count(), { timeout: 60_000 }).toBe(3);
    const before = await cards.nth(0).locator('.card-body').textContent();
    await cards.nth(0).locator('[data-testid=regenerate]').click();
    await expect.poll(() => cards.nth(0).getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await cards.nth(0).locator('.card-body').textContent()).not.toBe(before);
  });

  it('Regenerate while the other cards stream: they stream on to the end, and the new card follows', async () => {
    // Long cards, so the batch is still streaming when the writer asks for a new first card.
    const settings = app.services.settings.state.settings;
    await app.services.saveSettings({ ...settings, continuation: { candidates: 3, maxTokens: 200 } });
    try {
      await typeSlowly('The harbour lights went out one by one.');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+a');
      await page.keyboard.press('Control+Enter');
      const cards = page.locator('[data-testid=candidate-card]');
      const body = (index: number) => cards.nth(index).locator('.card-body').textContent();
      await expect
        .poll(async () => ((await body(1)) ?? '').replace('Writing…', '').trim().length, { timeout: 30_000, interval: 20 })
        .toBeGreaterThan(0);
      expect(await cards.nth(1).getAttribute('data-status')).toBe('streaming');
      const firstBefore = await body(0);
      const secondAtClick = (await body(1)) ?? '';
      await cards.nth(0).locator('[data-testid=regenerate]').click();

      await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=streaming]').count(), { timeout: 200_000 }).toBe(0);
      const statuses = await cards.evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-status')}: ${node.textContent}`));
      expect(
        statuses.map((status) => status.split(':')[0]),
        statuses.join('\n'),
      ).toEqual(['done', 'done', 'done']);
      // The card beside it kept writing after the click instead of stopping where it was.
      expect(((await body(1)) ?? '').length).toBeGreaterThan(secondAtClick.replace('Writing…', '').length);
      expect(await body(0)).not.toBe(firstBefore);
    } finally {
      await app.services.saveSettings(settings);
    }
  }, 300_000);
});

describe('status and resilience', () => {
  it('the status bar shows the model, device and tokens per second', async () => {
    await typeSlowly('A quiet morning in the');
    await waitForGhost();
    await expect.poll(() => page.locator('[data-testid=tokens-per-second]').textContent(), SETTLE).toMatch(/^\d+(\.\d)? tok\/s$/);
    const device = page.locator('[data-testid=device]');
    expect(await device.textContent()).toMatch(/^CPU/);
    const info = app.services.engine.state.info!;
    if (info.fallbackReason) expect(await device.getAttribute('title')).toContain(info.fallbackReason);
    expect(await page.locator('[data-testid=model-name]').textContent()).toContain(info.modelName);
    expect(await page.locator('[data-testid=context-use]').textContent()).toMatch(/^\d+ \/ 1024 ctx$/);
    await screenshot(page, '07-status-bar');
  });

  it('killing the engine host mid-generation keeps the text; the next suggestion works', async () => {
    const settings = app.services.settings.state.settings;
    await app.services.saveSettings({ ...settings, continuation: { ...settings.continuation, maxTokens: 500 } });
    await typeSlowly('The engine room was silent.');
    await page.keyboard.press('Escape');
    const text = await editorText(page);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+Enter');
    await expect
      .poll(
        async () =>
          (await page.locator('[data-testid=candidate-card] .card-body').allTextContents()).some(
            (body) => body.replace('Writing…', '').trim().length > 0,
          ),
        { timeout: 30_000, interval: 20 },
      )
      .toBe(true);

    app.services.engine.restart();
    await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=failed]').count(), { timeout: 30_000 }).toBe(3);
    expect(await editorText(page)).toBe(text);
    await expect.poll(() => app.services.engine.state.status, { timeout: 60_000 }).toBe('ready');
    await page.locator('[data-testid^=notice-restarted]').waitFor({ timeout: 30_000 });
    await screenshot(page, '08-engine-restarted');

    await page.locator('[aria-label="Close continuations"]').click();
    await page.keyboard.press('Control+End');
    await typeSlowly(' Then the lights');
    await waitForGhost();
    expect(await editorText(page)).toBe(`${text} Then the lights`);
    await app.services.saveSettings(settings);
  });
});
