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
import type { Page, Response } from 'playwright-core';
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
  it('keeps the token out of the address bar and out of cookies; a reload still connects', async () => {
    const cookieHeaders: string[] = [];
    const onResponse = (response: Response) => {
      const cookie = response.headers()['set-cookie'];
      if (cookie !== undefined) cookieHeaders.push(`${response.url()}: ${cookie}`);
    };
    page.on('response', onResponse);
    try {
      await page.goto(app.server.url);
      await focusEditor(page);
      expect(app.server.url).toContain(app.server.token);
      expect(page.url()).toBe(`http://127.0.0.1:${app.server.port}/`);
      await page.reload();
      await focusEditor(page);
      // The drafts (focusEditor waits for the open draft) and the model's name come over the WebSocket.
      await page.locator('[data-testid=model-name]').waitFor(SETTLE);
      expect(page.url()).not.toContain(app.server.token);
      expect(cookieHeaders).toEqual([]);
      expect(await browser.context.cookies()).toEqual([]);
      expect(browser.problems).toEqual([]);
    } finally {
      page.off('response', onResponse);
    }
  });

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

  it('opens, scrolls, types in and autosaves a 10 MB draft without stalling the editor', async () => {
    const paragraph = 'The tide came in over the causeway while the keeper counted the ships that did not come home. ';
    const big = Array.from({ length: Math.ceil(10_000_000 / (paragraph.length * 8 + 2)) }, (_, i) => `${paragraph.repeat(8)}${i}`).join(
      '\n\n',
    );
    expect(big.length).toBeGreaterThanOrEqual(10_000_000);
    await page.goto(app.server.url);
    await focusEditor(page);
    // Made after the page loaded, so the page does not open it at load (the newest draft reopens), and
    // the opening happens while frames are measured. A search lists it.
    await app.services.drafts.library.catalog.create('Big manuscript', big);
    await page.fill('[data-testid=drafts-search]', 'Big manuscript');
    await page.locator('[data-testid=draft-item]', { hasText: 'Big manuscript' }).waitFor(SETTLE);

    // Every requestAnimationFrame delta, stamped, and the moment each phase began: a gap is charged to the
    // phase it started in. Installed before the draft opens so the opening is measured too.
    await page.evaluate(() => {
      const w = window as unknown as FrameLog;
      w.__frames = [];
      w.__phases = [];
      let last = performance.now();
      const tick = (now: number) => {
        w.__frames.push({ at: last, gap: now - last });
        last = now;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const phase = (name: Phase) =>
      page.evaluate((n) => (window as unknown as FrameLog).__phases.push({ name: n, at: performance.now() }), name);

    await phase('open');
    const openedAt = Date.now();
    await page.locator('[data-testid=draft-item]', { hasText: 'Big manuscript' }).locator('.draft-open').click();
    // The length, not the text: reading 10 MB out of the editor on every poll would itself stall the page.
    await expect.poll(() => page.evaluate(() => window.__kaituhi?.editor?.textLength() ?? 0), { timeout: 60_000 }).toBe(big.length);
    const openMs = Date.now() - openedAt;
    // The word count of the opened draft runs a second later, in slices: let it run inside the opening.
    await page.waitForTimeout(1500);

    await phase('scroll');
    await page.mouse.move(600, 400);
    for (let step = 0; step < 40; step++) {
      await page.mouse.wheel(0, 2400);
      await page.waitForTimeout(30);
    }
    await page.click('.monaco-editor .view-lines');
    await phase('jump');
    await page.keyboard.press('Control+End');
    await page.waitForTimeout(300);
    await phase('type');
    await page.keyboard.type(' The end of the log.', { delay: 40 });
    // Autosave (about 1 s after the last key) and the word count after the pause, while the editor idles.
    await phase('autosave');
    await expect.poll(() => page.locator('[data-testid=save-status]').getAttribute('data-state'), { timeout: 30_000 }).toBe('saved');
    await page.waitForTimeout(2000);
    await phase('end');

    const log = await page.evaluate(() => {
      const w = window as unknown as FrameLog;
      return { frames: w.__frames, phases: w.__phases };
    });
    const report = Object.fromEntries(
      log.phases.slice(0, -1).map((p, i) => {
        const until = log.phases[i + 1]!.at;
        const gaps = log.frames.filter((f) => f.at >= p.at && f.at < until).map((f) => f.gap);
        return [p.name, summarise(gaps)];
      }),
    ) as Record<Exclude<Phase, 'end'>, GapSummary>;
    console.log(`10 MB draft, opened in ${openMs} ms; frame gaps by phase (ms): ${JSON.stringify(report)}`);
    await screenshot(page, 'drafts-03-ten-megabytes');
    await expect
      .poll(async () => (await currentDraftText(libraryDir(), 'Big manuscript')).endsWith('The end of the log.'), { timeout: 30_000 })
      .toBe(true);

    // "No stall": headless Chromium without a GPU, on two cores shared with the server and the engine.
    // While the writer scrolls, types and the draft autosaves, no frame waits 200 ms or more, and 19 in 20
    // come within 50 ms.
    for (const name of ['scroll', 'type', 'autosave'] as const) {
      expect(report[name].maxMs, `${name}: longest frame gap`).toBeLessThan(200);
      expect(report[name].p95Ms, `${name}: 95th percentile frame gap`).toBeLessThan(50);
    }
    // Ctrl+End lays out the wrapped lines at the end once: one frame, held to the same 200 ms.
    expect(report.jump.maxMs, 'Ctrl+End: longest frame gap').toBeLessThan(200);
    // Opening moves 10 MB over the socket and builds Monaco's model of all of it in one go (Monaco has no
    // incremental load): a one-off long frame, measured at 0.5-1.1 s here (it was 12-14 s while Monaco
    // measured every line's wrapping in the DOM; large drafts now wrap by character widths).
    expect(report.open.maxMs, 'opening: longest frame gap').toBeLessThan(2000);
    expect(openMs).toBeLessThan(5000);
  });
});

type Phase = 'open' | 'scroll' | 'jump' | 'type' | 'autosave' | 'end';
interface FrameLog {
  __frames: { at: number; gap: number }[];
  __phases: { name: Phase; at: number }[];
}
interface GapSummary {
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  over100ms: number;
}

function summarise(gaps: readonly number[]): GapSummary {
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return {
    frames: gaps.length,
    medianMs: at(0.5),
    p95Ms: at(0.95),
    maxMs: Math.round(sorted.at(-1) ?? 0),
    over100ms: gaps.filter((g) => g > 100).length,
  };
}

describe('after the server is killed with unsaved text', () => {
  let home: string;
  let server: ChildProcess | null = null;

  async function startServerProcess(): Promise<string> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'electron/cli/main.ts'),
        'serve',
        '--port',
        '0',
        '--settings',
        join(home, 'settings.json'),
        '--renderer',
        await builtRenderer(),
        '--model',
        modelDir,
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
        const texts = await Promise.all(
          names.filter((n) => n.endsWith('.json')).map((n) => readFile(join(journal, n), 'utf8').catch(() => '')),
        );
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
