/**
 * Drafts end to end: Chromium drives the real UI against server mode with the real engine and the real
 * drafts library on disk. Autosave survives a reload, a SIGKILLed server gives the text back through the
 * journal, a 10 MB draft stays smooth, and exports arrive as browser downloads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testModel } from '../support/fixtures.js';
import { openBrowser, type BrowserSession } from './support/browser.js';
import { builtRenderer, editorText, focusEditor, newDraft, screenshot, startApp, type AppUnderTest } from './support/app.js';
import { defaultLibraryDir, stateDirFor } from '../../electron/services/drafts-service.js';

const SETTLE = { timeout: 15_000 };
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let app: AppUnderTest;
let browser: BrowserSession;
let page: Page;
let modelDir: string;

beforeAll(async () => {
  modelDir = await testModel('tiny-seed1');
  app = await startApp({ modelDir, settings: (defaults) => ({ ...defaults, inline: { ...defaults.inline, enabled: false } }) });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await app?.cleanup();
});

const libraryDir = () => defaultLibraryDir(dirname(app.settingsFile));

async function currentDraftText(library: string, title: string): Promise<string> {
  for (const id of await readdir(library)) {
    if (id.startsWith('.')) continue;
    const meta = JSON.parse(await readFile(join(library, id, 'draft.json'), 'utf8').catch(() => '{}')) as { title?: string };
    if (meta.title === title) return readFile(join(library, id, 'text.md'), 'utf8');
  }
  return '';
}

async function renameCurrent(title: string): Promise<void> {
  await page.locator('[data-testid=draft-item].current').hover();
  await page.locator('[data-testid=draft-item].current button[title=Rename]').click();
  await page.locator('.draft-rename').fill(title);
  await page.locator('.draft-rename').press('Enter');
  await expect.poll(() => page.locator('[data-testid=draft-title]').textContent(), SETTLE).toBe(title);
}

describe('drafts in the browser', () => {
  it('autosaves a second after typing, and the text is there after a reload', async () => {
    await page.goto(app.server.url);
    await newDraft(page);
    await renameCurrent('Lighthouse');
    await focusEditor(page);
    const typed = 'The keeper wrote in the log: fog again, and the lamp burning since noon.';
    await page.keyboard.type(typed, { delay: 15 });
    await expect.poll(() => page.locator('[data-testid=save-status]').getAttribute('data-state'), SETTLE).toBe('saved');
    await expect.poll(() => currentDraftText(libraryDir(), 'Lighthouse'), SETTLE).toBe(typed);
    await screenshot(page, 'drafts-01-autosaved');

    await page.reload();
    await focusEditor(page);
    await expect.poll(() => editorText(page), SETTLE).toBe(typed);
    expect(await page.locator('[data-testid=draft-title]').textContent()).toBe('Lighthouse');
    expect(browser.problems).toEqual([]);
  });

  it('exports .md and .docx as browser downloads', async () => {
    await page.goto(app.server.url);
    await focusEditor(page);
    await page.keyboard.press('Control+Shift+E');
    await page.waitForSelector('[data-testid=export-panel]');
    await page.fill('[data-testid=export-author]', 'A. Keeper');
    await screenshot(page, 'drafts-02-export-panel');

    await page.selectOption('[data-testid=export-format]', 'md');
    const [markdown] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-button]')]);
    expect(markdown.suggestedFilename()).toBe('Lighthouse.md');
    const mdPath = await markdown.path();
    expect(await readFile(mdPath, 'utf8')).toContain('fog again, and the lamp burning since noon.');

    await page.selectOption('[data-testid=export-format]', 'docx');
    const [docx] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-button]')]);
    expect(docx.suggestedFilename()).toBe('Lighthouse.docx');
    const zip = await JSZip.loadAsync(await readFile(await docx.path()));
    const xml = (await zip.file('word/document.xml')?.async('string')) ?? '';
    expect(xml).toContain('fog again, and the lamp burning since noon.');
    expect(xml).toContain('A. Keeper');
    expect(await page.locator('[data-testid=export-outcome]').textContent()).toContain('Downloaded Lighthouse.docx');
  });

  it('opens, scrolls and autosaves a 10 MB draft without stalling the editor', async () => {
    const paragraph = 'The tide came in over the causeway while the keeper counted the ships that did not come home. ';
    const big = Array.from({ length: Math.ceil(10_000_000 / (paragraph.length * 8 + 2)) }, (_, i) => `${paragraph.repeat(8)}${i}`).join('\n\n');
    expect(big.length).toBeGreaterThanOrEqual(10_000_000);
    await app.services.drafts.library.create('Big manuscript', big);
    await page.goto(app.server.url);
    await focusEditor(page);
    const openedAt = Date.now();
    await page.locator('[data-testid=draft-item]', { hasText: 'Big manuscript' }).locator('.draft-open').click();
    await expect.poll(() => page.evaluate(() => window.__kaituhi?.editor?.text().length ?? 0), { timeout: 60_000 }).toBe(big.length);
    const openMs = Date.now() - openedAt;

    // Frame gaps: requestAnimationFrame deltas while the writer scrolls and types.
    await page.evaluate(() => {
      const gaps: number[] = [];
      let last = performance.now();
      const tick = (now: number) => {
        gaps.push(now - last);
        last = now;
        if ((window as unknown as { __frames?: number[] }).__frames === gaps) requestAnimationFrame(tick);
      };
      (window as unknown as { __frames?: number[] }).__frames = gaps;
      requestAnimationFrame(tick);
    });
    await page.mouse.move(600, 400);
    for (let step = 0; step < 40; step++) {
      await page.mouse.wheel(0, 2400);
      await page.waitForTimeout(30);
    }
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' The end of the log.', { delay: 40 });
    await page.waitForTimeout(2500);
    const gaps = await page.evaluate(() => {
      const frames = (window as unknown as { __frames?: number[] }).__frames ?? [];
      (window as unknown as { __frames?: number[] }).__frames = [];
      return frames.slice(1);
    });
    const sorted = [...gaps].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const report = { frames: gaps.length, medianMs: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? 0, over100ms: gaps.filter((g) => g > 100).length, openMs };
    console.log(`10 MB draft frame gaps: ${JSON.stringify(report)}`);
    await screenshot(page, 'drafts-03-ten-megabytes');

    await expect.poll(() => page.locator('[data-testid=save-status]').getAttribute('data-state'), { timeout: 30_000 }).toBe('saved');
    await expect.poll(async () => (await currentDraftText(libraryDir(), 'Big manuscript')).endsWith('The end of the log.'), { timeout: 30_000 }).toBe(true);
    // Headless Chromium without a GPU on two shared cores: steady frames while scrolling and typing. One long
    // gap is allowed (jumping to the end of 10 MB lays out the wrapped lines there once); the report prints it.
    expect(report.p95Ms).toBeLessThan(100);
    expect(report.over100ms).toBeLessThanOrEqual(2);
  });
});

describe('after the server is killed with unsaved text', () => {
  let home: string;
  let server: ChildProcess | null = null;

  async function startServerProcess(): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'electron/cli/main.ts'), 'serve', '--port', '0', '--settings', join(home, 'settings.json'), '--renderer', await builtRenderer(), '--model', modelDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let output = '';
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // The token is base64url: letters, digits, '-' and '_'; the line ends after it.
        const url = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\s/.exec(output)?.[1];
        if (url) resolve(url);
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
    });
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kaituhi-e2e-kill-'));
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server?.once('exit', resolve));
    }
    await rm(home, { recursive: true, force: true });
  });

  it('restores the text and says so', async () => {
    const firstUrl = await startServerProcess();
    await page.goto(firstUrl);
    await focusEditor(page);
    await page.keyboard.type('Saved part.', { delay: 15 });
    await expect.poll(() => page.locator('[data-testid=save-status]').getAttribute('data-state'), SETTLE).toBe('saved');

    // Keep typing (autosave waits for a pause; the journal does not), and kill the server mid-sentence.
    const library = defaultLibraryDir(home);
    const journal = join(stateDirFor(home, library), 'journal');
    const typing = page.keyboard.type(' Unsaved words about the storm that took the lamp.', { delay: 60 }).catch(() => undefined);
    await expect
      .poll(async () => {
        const names = await readdir(journal).catch(() => [] as string[]);
        const texts = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => readFile(join(journal, n), 'utf8').catch(() => '')));
        return texts.some((t) => t.includes('Unsaved words'));
      }, SETTLE)
      .toBe(true);
    server?.kill('SIGKILL');
    await new Promise((resolve) => server?.once('exit', resolve));
    await typing;
    const [draftId] = (await readdir(library)).filter((n) => !n.startsWith('.'));
    expect(await readFile(join(library, draftId!, 'text.md'), 'utf8')).not.toContain('Unsaved words');

    const secondUrl = await startServerProcess();
    await page.goto(secondUrl);
    await focusEditor(page);
    const notice = page.locator('[data-testid=notice-recovered]');
    await notice.waitFor(SETTLE);
    expect(await notice.textContent()).toMatch(/Recovered unsaved text in “Untitled”/);
    await expect.poll(() => editorText(page), SETTLE).toMatch(/^Saved part\. Unsaved words/);
    await screenshot(page, 'drafts-04-recovered');
    // The recovered text is written to text.md by the next autosave.
    await expect.poll(() => readFile(join(library, draftId!, 'text.md'), 'utf8'), SETTLE).toMatch(/Unsaved words/);
  });
});
