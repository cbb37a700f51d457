/**
 * The drafts library end to end in Chromium, through server mode, with the real engine and the real
 * library on disk: search by title, trash and restore, an outside edit while the buffer is dirty (both
 * answers, no text lost), snapshots, story memory (its token count, and that it goes with a generation),
 * and an EPUB download that epubcheck accepts.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import { editorText, focusEditor, screenshot, startApp, type AppUnderTest } from './support/app.js';
import { defaultLibraryDir } from '../../electron/services/drafts-service.js';

const run = promisify(execFile);
const SETTLE = { timeout: 15_000 };

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  app = await startApp({
    modelDir: await testModel('tiny-seed1'),
    // No ghost text while typing: the generations this file looks at are the ones it asks for.
    settings: (defaults) => ({
      ...defaults,
      inline: { ...defaults.inline, enabled: false },
      continuation: { candidates: 1, maxTokens: 8 },
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

const library = () => defaultLibraryDir(dirname(app.settingsFile));
const textFile = (id: string) => join(library(), id, 'text.md');
const saveState = () => page.locator('[data-testid=save-status]').getAttribute('data-state');
const titles = () => page.locator('[data-testid=draft-item] .draft-title').allTextContents();

/** A draft made behind the page's back, then opened in it (a reload lists it). */
async function openFresh(title: string, text: string): Promise<string> {
  const made = await app.services.drafts.library.catalog.create(title, text);
  await page.goto(app.server.url);
  await page.waitForSelector('[data-testid=draft-title]');
  await page.locator('[data-testid=draft-item]', { hasText: title }).locator('.draft-open').click();
  await expect.poll(() => page.locator('[data-testid=draft-title]').textContent(), SETTLE).toBe(title);
  await expect.poll(() => editorText(page), SETTLE).toBe(text);
  return made.id;
}

/** Types at the end of the text, and waits until the service holds the keystrokes (not yet saved). */
async function typeAtEnd(text: string): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text, { delay: 10 });
  await expect.poll(saveState, SETTLE).toBe('unsaved');
}

describe('the library sidebar', () => {
  it('searches by title', async () => {
    await app.services.drafts.library.catalog.create('Harbour notes', 'Boats.');
    await app.services.drafts.library.catalog.create('Lighthouse log', 'Fog.');
    await app.services.drafts.library.catalog.create('The harbourmaster', 'Ropes.');
    await page.goto(app.server.url);
    await page.waitForSelector('[data-testid=draft-title]');
    await page.fill('[data-testid=drafts-search]', 'HARBOUR');
    await expect.poll(async () => (await titles()).sort(), SETTLE).toEqual(['Harbour notes', 'The harbourmaster']);
    await screenshot(page, 'drafts-10-search');
    await page.fill('[data-testid=drafts-search]', 'nothing like this');
    await expect.poll(titles, SETTLE).toEqual([]);
    await page.fill('[data-testid=drafts-search]', '');
    await expect.poll(async () => (await titles()).length, SETTLE).toBeGreaterThanOrEqual(3);
  });

  it('moves a draft to the trash and restores it with its text', async () => {
    const id = await openFresh('Trash me', 'Words worth keeping after all.');
    const item = page.locator('[data-testid=draft-item]', { hasText: 'Trash me' });
    await item.hover();
    await item.locator('button[title="Move to trash"]').click();
    await expect.poll(titles, SETTLE).not.toContain('Trash me');
    // The open draft went away: the editor moved on to another draft.
    await expect.poll(() => page.locator('[data-testid=draft-title]').textContent(), SETTLE).not.toBe('Trash me');
    await page.click('[data-testid=trash-toggle]');
    await expect.poll(() => page.locator('[data-testid=trash-toggle]').textContent(), SETTLE).toBe('Trash (1)');
    await screenshot(page, 'drafts-11-trash');
    await page.click('button[aria-label="Restore Trash me"]');
    await expect.poll(titles, SETTLE).toContain('Trash me');
    await expect.poll(() => page.locator('[data-testid=draft-title]').textContent(), SETTLE).toBe('Trash me');
    await expect.poll(() => editorText(page), SETTLE).toBe('Words worth keeping after all.');
    expect(await readFile(textFile(id), 'utf8')).toBe('Words worth keeping after all.');
    expect(browser.problems).toEqual([]);
  });
});

describe('reopening', () => {
  it('reopens the last draft at the next page load, with the cursor where it was', async () => {
    await openFresh('Where I was', 'The keeper climbed the stairs.');
    await focusEditor(page);
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 'The keeper'.length; i++) await page.keyboard.press('ArrowRight');
    // The cursor is sent after a short pause and written with the save on leaving the page.
    await page.waitForTimeout(1200);
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=draft-title]').textContent(), SETTLE).toBe('Where I was');
    await expect.poll(() => editorText(page), SETTLE).toBe('The keeper climbed the stairs.');
    await page.keyboard.type(' slowly', { delay: 10 });
    await expect.poll(() => editorText(page), SETTLE).toBe('The keeper slowly climbed the stairs.');
  });

  it('duplicates a draft with its text', async () => {
    await openFresh('Original', 'Twice told.');
    const item = page.locator('[data-testid=draft-item]', { hasText: 'Original' });
    await item.hover();
    await item.locator('button[title=Duplicate]').click();
    await expect.poll(titles, SETTLE).toContain('Original (copy)');
    const copy = (await app.services.drafts.library.catalog.list()).find((d) => d.title === 'Original (copy)');
    expect(await readFile(textFile(copy?.id ?? ''), 'utf8')).toBe('Twice told.');
  });
});

describe('an outside edit while the buffer is dirty', () => {
  it('“Keep mine” keeps the editor’s text on disk, and the file’s version as a snapshot', async () => {
    const id = await openFresh('Conflict mine', 'The boats came in.');
    await typeAtEnd(' Mine, typed in Kaituhi.');
    // Another program writes the file before autosave (about a second after the last key) gets to it.
    await writeFile(textFile(id), 'The boats came in. Theirs, from another editor.');
    const bar = page.locator('[data-testid=draft-conflict]');
    await bar.waitFor(SETTLE);
    expect(await bar.textContent()).toMatch(/“Conflict mine” was changed by another program \(8 words on disk\)/);
    await screenshot(page, 'drafts-12-conflict');
    // Nothing was overwritten while the question stands.
    expect(await readFile(textFile(id), 'utf8')).toBe('The boats came in. Theirs, from another editor.');
    expect(await editorText(page)).toBe('The boats came in. Mine, typed in Kaituhi.');

    await page.click('[data-testid=keep-mine]');
    await bar.waitFor({ state: 'detached', ...SETTLE });
    await expect.poll(() => readFile(textFile(id), 'utf8'), SETTLE).toBe('The boats came in. Mine, typed in Kaituhi.');
    expect(await editorText(page)).toBe('The boats came in. Mine, typed in Kaituhi.');
    await expect.poll(saveState, SETTLE).toBe('saved');
    const snapshots = await app.services.drafts.library.versions.list(id);
    const texts = await Promise.all(snapshots.map((s) => readFile(join(library(), id, 'snapshots', `${s.id}.md`), 'utf8')));
    expect(texts).toContain('The boats came in. Theirs, from another editor.');
  });

  it('“Use the file’s” shows the file’s text, and keeps the editor’s as a snapshot', async () => {
    const id = await openFresh('Conflict theirs', 'The boats came in.');
    await typeAtEnd(' Mine, about to be replaced.');
    await writeFile(textFile(id), 'The boats came in. Theirs wins this time.');
    await page.locator('[data-testid=draft-conflict]').waitFor(SETTLE);
    await page.click('[data-testid=keep-theirs]');
    await page.locator('[data-testid=draft-conflict]').waitFor({ state: 'detached', ...SETTLE });
    await expect.poll(() => editorText(page), SETTLE).toBe('The boats came in. Theirs wins this time.');
    await expect.poll(saveState, SETTLE).toBe('saved');
    expect(await readFile(textFile(id), 'utf8')).toBe('The boats came in. Theirs wins this time.');
    const snapshots = await app.services.drafts.library.versions.list(id);
    const texts = await Promise.all(snapshots.map((s) => readFile(join(library(), id, 'snapshots', `${s.id}.md`), 'utf8')));
    expect(texts).toContain('The boats came in. Mine, about to be replaced.');

    // The editor and the service agree again: the next keystrokes land in the file's text.
    await typeAtEnd(' And then more.');
    await expect.poll(() => readFile(textFile(id), 'utf8'), SETTLE).toBe('The boats came in. Theirs wins this time. And then more.');
    expect(browser.problems).toEqual([]);
  });
});

describe('a failure the writer must see', () => {
  it('the draft’s folder deleted by another program: a notice, the text stays, and Ctrl+S writes it back', async () => {
    const id = await openFresh('Folder gone', 'Kept safe.');
    await typeAtEnd(' Even now.');
    await rm(join(library(), id), { recursive: true, force: true });
    const notice = page.locator('[data-testid=notice-save-failed]');
    await notice.waitFor(SETTLE);
    expect(await notice.textContent()).toMatch(/Not saved/);
    await screenshot(page, 'drafts-15-folder-deleted');
    expect(await editorText(page)).toBe('Kept safe. Even now.');
    await focusEditor(page);
    await page.keyboard.press('Control+s');
    await expect.poll(() => readFile(textFile(id), 'utf8').catch(() => ''), SETTLE).toBe('Kept safe. Even now.');
    await expect.poll(saveState, SETTLE).toBe('saved');
    await notice.waitFor({ state: 'detached', ...SETTLE });
  });
});

describe('the draft panel', () => {
  it('takes a snapshot, compares it with the current text, and restores it', async () => {
    const id = await openFresh('Snapshots', 'First version of the opening.');
    await page.keyboard.press('Control+Shift+M');
    await page.waitForSelector('[data-testid=draft-panel]');
    await page.fill('input[aria-label="Snapshot name"]', 'Opening v1');
    await page.click('[data-testid=take-snapshot]');
    await expect
      .poll(() => page.locator('[data-testid=snapshot-item]').allTextContents(), SETTLE)
      .toEqual([expect.stringContaining('Opening v1')]);

    await typeAtEnd(' A second sentence, added later.');
    await expect.poll(saveState, SETTLE).toBe('saved');
    await page.locator('[data-testid=snapshot-item]', { hasText: 'Opening v1' }).getByText('Compare').click();
    const diff = page.locator('[data-testid=snapshot-diff]');
    await diff.waitFor(SETTLE);
    expect(await diff.locator('ins').allTextContents()).toEqual([' A second sentence, added later.']);
    expect(await diff.textContent()).toContain('“Opening v1” → now: +5 / −0 words');
    await screenshot(page, 'drafts-13-snapshot-compare');

    await page.locator('[data-testid=snapshot-item]', { hasText: 'Opening v1' }).getByText('Restore').click();
    await expect.poll(() => editorText(page), SETTLE).toBe('First version of the opening.');
    await expect.poll(() => readFile(textFile(id), 'utf8'), SETTLE).toBe('First version of the opening.');
    // The text it replaced is a snapshot of its own, so the restore can be undone.
    await expect
      .poll(() => page.locator('[data-testid=snapshot-item] .snapshot-name').allTextContents(), SETTLE)
      .toEqual(['Before restoring a snapshot', 'Opening v1']);
    const before = (await app.services.drafts.library.versions.list(id)).find((s) => s.name === 'Before restoring a snapshot');
    expect(await readFile(join(library(), id, 'snapshots', `${before?.id}.md`), 'utf8')).toBe(
      'First version of the opening. A second sentence, added later.',
    );
    expect(browser.problems).toEqual([]);
  });

  it('story memory shows its share of the window and goes with every generation', async () => {
    const id = await openFresh('Memory', 'The lamp went out at midnight.');
    const memory = 'Mere is the lighthouse keeper. Her brother Tama is lost at sea.';
    const engine = app.services.engine.engine;
    if (!engine) throw new Error('the engine is not loaded');
    const expected = await engine.countTokens(memory);
    expect(expected).toBeGreaterThan(5);

    const sent: { memory?: string; context: string }[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) as {
          type?: string;
          request?: { memory?: string; context: string };
        };
        if (message.type === 'generate' && message.request) sent.push(message.request);
      }),
    );
    // Reload so the listener sees the page's socket from its start.
    await page.reload();
    await page.waitForSelector('[data-testid=draft-title]');
    await page.click('[data-testid=draft-button]');
    await page.fill('[data-testid=memory-input]', memory);
    await expect
      .poll(() => page.locator('[data-testid=memory-tokens]').textContent(), SETTLE)
      .toBe(`Memory takes ${expected} of the model’s 1024 positions.`);
    await screenshot(page, 'drafts-14-memory');
    // Saved with the draft (draft.json), not only held by the page.
    await expect
      .poll(async () => (JSON.parse(await readFile(join(library(), id, 'draft.json'), 'utf8')) as { memory?: string }).memory, SETTLE)
      .toBe(memory);

    await page.click('[data-testid=draft-button]');
    await focusEditor(page);
    await page.keyboard.press('Control+End');
    await page.click('[data-testid=continue-button]');
    await expect.poll(() => sent.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(sent[0]).toMatchObject({ memory, context: 'The lamp went out at midnight.' });
    await expect.poll(() => page.locator('[data-testid=candidate-card][data-status=done]').count(), { timeout: 60_000 }).toBe(1);
  });
});

describe('export', () => {
  it('downloads an EPUB that epubcheck accepts', async () => {
    await openFresh('Harbour book', '# The Harbour\n\nThe boats came in at dusk. *One by one.*\n\n# 第二章\n\n她走进了房间。🌊\n');
    await page.click('[data-testid=export-open]');
    await page.waitForSelector('[data-testid=export-panel]');
    await page.selectOption('[data-testid=export-format]', 'epub');
    await page.fill('[data-testid=export-author]', 'A. Keeper');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-button]')]);
    expect(download.suggestedFilename()).toBe('Harbour book.epub');
    const file = join(dirname(app.settingsFile), 'Harbour book.epub');
    await download.saveAs(file);
    const { stdout, stderr } = await run(
      'java',
      ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', '/usr/share/java/epubcheck.jar', file],
      { timeout: 120_000 },
    ).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${stdout}\n${stderr}`).toMatch(/No errors or warnings detected/);
    expect(await page.locator('[data-testid=export-outcome]').textContent()).toBe('Downloaded Harbour book.epub.');
    expect((await readdir(dirname(app.settingsFile))).filter((n) => n.endsWith('.epub'))).toEqual(['Harbour book.epub']);
  });
});
