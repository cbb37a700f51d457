/**
 * How ghost text feels, end to end: Debian's Chromium drives the real UI through `kaituhi serve`, with the real
 * engine on a generated tiny GPT-2, and the test watches the WebSocket frames the page sends. Keystrokes that
 * agree with a suggestion must cost no request; a full accept must ask for the next one at once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import {
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
import type { Settings } from '../../electron/common/settings.js';

const SETTLE = { timeout: 10_000 };
const DEBOUNCE_MS = 300;

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;
/** Every `generate` frame the page sent, in order. */
/** Each generate request the page sent, and when this process saw its frame (Date.now()). */
const generateFrames: { request: { after?: string }; seenAt: number }[] = [];

beforeAll(async () => {
  app = await startApp({
    modelDir: await testModel('tiny-seed1'),
    settings: (defaults) => ({
      ...defaults,
      sampler: { ...defaults.sampler, seed: 7 },
      inline: { ...defaults.inline, maxTokens: 16, alternatives: 3, debounceMs: DEBOUNCE_MS },
    }),
  });
  expect(app.services.engine.state.status).toBe('ready');
  browser = await openBrowser();
  page = browser.page;
  page.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { type?: string; request: { after?: string } };
      if (message.type === 'generate') generateFrames.push({ ...message, seenAt: Date.now() });
    }),
  );
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

async function saveSettings(change: (settings: Settings) => Settings): Promise<void> {
  const next = change(app.services.settings.state.settings);
  await app.services.saveSettings(next);
  // The page hears of it by a push; wait until it has.
  await expect
    .poll(() => page.locator('[data-testid=suggestion-mode]').getAttribute('aria-pressed'), SETTLE)
    .toBe(String(next.inline.mode === 'automatic'));
}

/** The newest shown suggestion's record, once its ghost is on screen. */
async function shownSuggestion(after = 0) {
  await expect
    .poll(async () => (await inlineRecords(page)).some((record) => record.seq > after && record.outcome === 'shown'), { timeout: 60_000 })
    .toBe(true);
  const record = (await inlineRecords(page)).filter((record) => record.outcome === 'shown').at(-1)!;
  await expect.poll(() => visibleGhostText(page), SETTLE).toBe(normalise(record.alternatives[0]!));
  return record;
}

const keptAnswers = (): Promise<number> => page.evaluate(() => window.__kaituhi?.kept ?? 0);

async function typeSlowly(text: string): Promise<void> {
  await page.keyboard.type(text, { delay: 25 });
}

describe('keeping what was offered', () => {
  it('Ctrl+→ twice takes two words and leaves the rest of the ghost on screen, with no new request', async () => {
    const typed = 'The lighthouse keeper climbed the stairs';
    await typeSlowly(typed);
    const { alternatives } = await shownSuggestion();
    const suggestion = alternatives[0]!;
    const sent = generateFrames.length;
    const kept = await keptAnswers();

    await page.keyboard.press('Control+ArrowRight');
    await page.keyboard.press('Control+ArrowRight');
    // Each press took a word and the space before it.
    const twoWords = /^\s*[\p{L}\p{N}'’]+\s*[\p{L}\p{N}'’]+|^\s*\S+\s*\S+/u.exec(suggestion)![0];
    await expect.poll(() => editorText(page), SETTLE).toBe(`${typed}${twoWords}`);
    expect(suggestion.length).toBeGreaterThan(twoWords.length);
    await expect.poll(() => visibleGhostText(page), SETTLE).toBe(normalise(suggestion.slice(twoWords.length)));
    expect(await keptAnswers()).toBeGreaterThan(kept);
    await screenshot(page, 'ghost-01-ctrl-right-twice');
    // Long enough for a request after the debounce, had one been made.
    await page.waitForTimeout(DEBOUNCE_MS * 3);
    expect(generateFrames.length).toBe(sent);
    expect(normalise(await visibleGhostText(page))).toBe(normalise(suggestion.slice(twoWords.length)));
  });

  it('typing the ghost’s next five characters keeps the rest, with no new request; a disagreeing key asks again', async () => {
    const typed = 'She opened the letter and';
    await typeSlowly(typed);
    const { alternatives } = await shownSuggestion();
    const suggestion = alternatives[0]!;
    const five = suggestion.slice(0, 5);
    expect(five).not.toMatch(/\n/);
    const sent = generateFrames.length;

    await typeSlowly(five);
    expect(await editorText(page)).toBe(`${typed}${five}`);
    await expect.poll(() => visibleGhostText(page), SETTLE).toBe(normalise(suggestion.slice(5)));
    await screenshot(page, 'ghost-02-typed-through');
    await page.waitForTimeout(DEBOUNCE_MS * 3);
    expect(generateFrames.length).toBe(sent);

    // A key the ghost does not hold: the ghost goes, and after the debounce the next suggestion is asked for.
    const next = suggestion[5] === 'q' ? 'z' : 'q';
    const pressedAt = Date.now();
    await page.keyboard.type(next);
    await expect.poll(() => generateFrames.length, { timeout: 30_000 }).toBe(sent + 1);
    // It waited out the debounce: the frame left no sooner than the pause after the key.
    expect(generateFrames[sent]!.seenAt - pressedAt).toBeGreaterThanOrEqual(DEBOUNCE_MS);
  });

  it('after Esc, typing what the ghost held does not bring it back: the next suggestion is asked for', async () => {
    await typeSlowly('The storm had passed');
    const { alternatives } = await shownSuggestion();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(GHOST).count(), SETTLE).toBe(0);
    const sent = generateFrames.length;
    const kept = await keptAnswers();
    await page.keyboard.type(alternatives[0]!.slice(0, 2));
    await expect.poll(() => generateFrames.length, { timeout: 30_000 }).toBe(sent + 1);
    expect(await keptAnswers()).toBe(kept);
  });

  it('alternatives that share what was typed survive it, and Alt+] cycles among them without a request', async () => {
    await typeSlowly('The harbour was quiet');
    const { alternatives } = await shownSuggestion();
    const sent = generateFrames.length;
    // GPT-2's words carry their space: the alternatives usually share their first character.
    const shared = alternatives[0]![0]!;
    const survivors = alternatives.filter((alternative) => alternative.startsWith(shared) && alternative.length > 2);
    expect(survivors.length).toBeGreaterThan(1);
    await page.keyboard.type(shared);
    await expect.poll(() => visibleGhostText(page), SETTLE).toBe(normalise(survivors[0]!.slice(1)));
    await page.keyboard.press('Alt+BracketRight');
    await expect.poll(() => visibleGhostText(page), SETTLE).toBe(normalise(survivors[1]!.slice(1)));
    // Typing on along the alternative on screen keeps it there.
    await page.keyboard.type(survivors[1]![1]!);
    await expect.poll(() => visibleGhostText(page), SETTLE).toBe(normalise(survivors[1]!.slice(2)));
    expect(await editorText(page)).toBe(`The harbour was quiet${survivors[1]!.slice(0, 2)}`);
    await page.waitForTimeout(DEBOUNCE_MS * 3);
    expect(generateFrames.length).toBe(sent);
  });
});

describe('the next suggestion is ready', () => {
  it('after Tab the next ghost is asked for at once, not after the debounce', async () => {
    // A long debounce: a request that waited for it would come seconds after Tab.
    const debounceMs = 5000;
    await saveSettings((settings) => ({ ...settings, inline: { ...settings.inline, debounceMs } }));
    try {
      await page.evaluate(() => {
        // Capture phase: Monaco handles the key and stops it before it could bubble here.
        window.addEventListener(
          'keydown',
          (event) => {
            if (event.key === 'Tab') (window as unknown as { tabAt: number }).tabAt = event.timeStamp;
          },
          true,
        );
      });
      await typeSlowly('Night fell over the town');
      await page.keyboard.press('Alt+Backslash');
      const first = await shownSuggestion();
      const sent = generateFrames.length;

      await page.keyboard.press('Tab');
      const second = await shownSuggestion(first.seq);
      await screenshot(page, 'ghost-03-next-after-tab');
      const tabAt = await page.evaluate(() => (window as unknown as { tabAt: number }).tabAt);
      expect(second.trigger).toBe('after-accept');
      expect(second.contextTail.endsWith(first.alternatives[0]!.slice(-20))).toBe(true);
      expect(generateFrames.length).toBe(sent + 1);
      // From the page's own clock: the request left well before the debounce would have let it.
      expect(second.requestedAt! - tabAt).toBeGreaterThanOrEqual(0);
      expect(second.requestedAt! - tabAt).toBeLessThan(debounceMs);
      expect(second.shownAt! - tabAt).toBeLessThan(debounceMs);
      // While the ghost was on screen its text went into the engine's cache: after Tab nothing is read twice.
      expect(second.stats!.reusedTokens).toBeGreaterThanOrEqual(second.stats!.promptTokens - 1);
    } finally {
      await saveSettings((settings) => ({ ...settings, inline: { ...settings.inline, debounceMs: DEBOUNCE_MS } }));
    }
  });
});

describe('in the middle of a paragraph', () => {
  it('the alternative shown first is the one that leads best into the text after the cursor', async () => {
    const after = ' She waited by the door until the boats came in.';
    await typeSlowly(`The keeper climbed the stairs.${after}`);
    await page.keyboard.press('Escape');
    for (let i = 0; i < after.length; i++) await page.keyboard.press('ArrowLeft');
    const seq = (await inlineRecords(page)).at(-1)?.seq ?? 0;
    await page.keyboard.press('Alt+Backslash');
    const shown = await shownSuggestion(seq);
    expect(generateFrames.at(-1)?.request.after).toBe(after);
    expect(shown.afterHead).toBe(after);
    expect(shown.alternatives.length).toBeGreaterThan(1);
    const scores = shown.joinScores.map((score) => score!);
    expect(scores.every((score) => Number.isFinite(score) && score < 0)).toBe(true);
    expect(scores[0]).toBe(Math.max(...scores));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await screenshot(page, 'ghost-06-mid-paragraph');
    // The ghost stands inside the line, before the text that follows it.
    expect(await editorText(page)).toBe(`The keeper climbed the stairs.${after}`);
    await page.keyboard.press('Tab');
    await expect.poll(() => editorText(page), SETTLE).toBe(`The keeper climbed the stairs.${shown.alternatives[0]}${after}`);
  });
});

describe('manual and automatic', () => {
  it('manual mode sends nothing until Alt+\\; the toolbar, Ctrl+Shift+\\ and a draft of its own switch it', async () => {
    const toggle = page.locator('[data-testid=suggestion-mode]');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await expect.poll(() => app.services.settings.state.settings.inline.mode, SETTLE).toBe('manual');
    await focusEditor(page);
    const sent = generateFrames.length;
    await typeSlowly('The ferry left at dawn');
    await page.waitForTimeout(DEBOUNCE_MS * 4);
    expect(generateFrames.length).toBe(sent);
    expect(await page.locator(GHOST).count()).toBe(0);

    await page.keyboard.press('Alt+Backslash');
    await shownSuggestion();
    expect(generateFrames.length).toBe(sent + 1);
    await screenshot(page, 'ghost-04-manual-alt-backslash');

    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+Backslash');
    await expect.poll(() => app.services.settings.state.settings.inline.mode, SETTLE).toBe('automatic');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');

    // This draft alone goes quiet; Settings stay automatic, and the toolbar now switches the draft.
    await page.click('[data-testid=draft-button]');
    await page.selectOption('[data-testid=draft-suggestion-mode]', 'manual');
    await expect.poll(() => toggle.getAttribute('aria-pressed'), SETTLE).toBe('false');
    expect(await toggle.getAttribute('title')).toMatch(/^This draft has its own setting/);
    expect(app.services.settings.state.settings.inline.mode).toBe('automatic');
    await page.locator('[data-testid=draft-panel] .panel-header .icon-button').click();
    await focusEditor(page);
    await page.keyboard.press('End');
    const quiet = generateFrames.length;
    await typeSlowly(' and');
    await page.waitForTimeout(DEBOUNCE_MS * 4);
    expect(generateFrames.length).toBe(quiet);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed'), SETTLE).toBe('true');
    expect(app.services.settings.state.settings.inline.mode).toBe('automatic');
  });
});

const ghostFontStyle = (): Promise<string> =>
  page
    .locator('.ghost-text-decoration')
    .first()
    .evaluate((node) => getComputedStyle(node).fontStyle);

const withItalic = (italic: boolean): Settings => {
  const settings = app.services.settings.state.settings;
  return { ...settings, inline: { ...settings.inline, italic } };
};

describe('accessibility', () => {
  it('a screen-reader region announces each suggestion on screen; the ghost can be upright', async () => {
    await typeSlowly('A quiet morning in the');
    const { alternatives } = await shownSuggestion();
    const announcer = page.locator('[data-testid=suggestion-announcer]');
    expect(await announcer.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => announcer.textContent(), SETTLE).toBe(`Suggestion 1 of ${alternatives.length}: ${alternatives[0]!.trim()}`);
    expect(await ghostFontStyle()).toBe('italic');
    if (alternatives.length > 1) {
      await page.keyboard.press('Alt+BracketRight');
      await expect.poll(() => announcer.textContent(), SETTLE).toBe(`Suggestion 2 of ${alternatives.length}: ${alternatives[1]!.trim()}`);
    }

    await app.services.saveSettings(withItalic(false));
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.ghostText), SETTLE).toBe('upright');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Alt+Backslash');
    await page.locator('.ghost-text-decoration').first().waitFor(SETTLE);
    expect(await ghostFontStyle()).toBe('normal');
    await screenshot(page, 'ghost-05-upright');
    await app.services.saveSettings(withItalic(true));
    expect(browser.problems).toEqual([]);
  });
});
