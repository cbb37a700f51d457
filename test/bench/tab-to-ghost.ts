/**
 * How fast ghost text comes, as the writer sees it: end to end in Debian's Chromium against `kaituhi serve`, on
 * the 124M shape at int8 (random weights, generated here like run.ts does) with a draft of about 1,000 tokens.
 * Times come from the page's own clock (performance.now(), event.timeStamp), from the key to the frame that
 * first paints the ghost:
 * - pause → ghost: the last keystroke of a word to the first ghost text (the debounce, then a request);
 * - Tab → ghost: a full accept to the next ghost text (asked at once, continuing from the accepted words).
 * Run with BENCH_GHOST=1 in `npm run bench`, or alone: `npx tsx test/bench/tab-to-ghost.ts`.
 * Knobs: BENCH_GHOST_ROUNDS (6), BENCH_GHOST_WORDS (790: about 1,000 tokens), BENCH_GHOST_DEBOUNCE (300),
 * BENCH_GHOST_READ_MS (1000: how long the writer reads a ghost before typing on or pressing Tab).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeTestModel } from '../../models/make-test-model.js';
import { openBrowser } from '../e2e/support/browser.js';
import { focusEditor, startApp } from '../e2e/support/app.js';
import { prose } from './prose.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Spread {
  readonly min: number;
  readonly median: number;
}

/** One way to a ghost, end to end and in parts (medians and minimums over the rounds, ms). */
export interface GhostPath {
  /** The key (the last of a word, or Tab) to the first frame painted with the ghost. */
  readonly keyToGhost: Spread;
  /** The key to the request leaving the page: the debounce after a pause, nothing after Tab. */
  readonly keyToRequest: Spread;
  /** The engine reading the prompt's new tokens (after Tab: the accepted words, unless the warm-up read them). */
  readonly prefill: Spread;
  /** The engine writing the alternatives: the part that does not depend on the path, and the noisiest. */
  readonly decode: Spread;
  /** Everything but decoding: the key to the ghost less the engine's decode. */
  readonly notDecoding: Spread;
}

export interface GhostTimes {
  readonly rounds: number;
  readonly contextTokens: number;
  readonly debounceMs: number;
  readonly pause: GhostPath;
  readonly tab: GhostPath;
  readonly settings: string;
}

/** The 124M shape's ONNX export with only its int8 file, so the app loads int8 (it prefers fp32 when both are there). */
async function int8Export(): Promise<string> {
  const dir = path.join(root, 'models', 'generated', 'gpt2-seed1-onnx-int8');
  try {
    await access(path.join(dir, 'config.json'));
  } catch {
    process.stderr.write(`generating gpt2 (onnx, int8) in ${dir}\n`);
    await makeTestModel({ shape: 'gpt2', seed: 1, outDir: dir, format: 'onnx', onnxFiles: [{ precision: 'int8', variant: 'with-past' }] });
  }
  return dir;
}

function summary(xs: readonly number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  return { min: Math.round(sorted[0] ?? NaN), median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN) };
}

export async function tabToGhost(): Promise<GhostTimes> {
  const rounds = Number(process.env.BENCH_GHOST_ROUNDS ?? 6);
  const words = Number(process.env.BENCH_GHOST_WORDS ?? 790);
  const debounceMs = Number(process.env.BENCH_GHOST_DEBOUNCE ?? 300);
  const readMs = Number(process.env.BENCH_GHOST_READ_MS ?? 1000);
  const app = await startApp({
    modelDir: await int8Export(),
    settings: (defaults) => ({
      ...defaults,
      sampler: { ...defaults.sampler, seed: 11 },
      inline: { ...defaults.inline, debounceMs },
    }),
  });
  const browser = await openBrowser();
  try {
    const info = app.services.engine.state.info;
    if (app.services.engine.state.status !== 'ready' || !info)
      throw new Error(`the model did not load: ${app.services.engine.state.message}`);
    if (info.precision !== 'int8' || info.graph !== 'kaituhi')
      throw new Error(`expected int8 on the fast graph, got ${info.precision} / ${info.graph}`);
    await app.services.drafts.library.catalog.create('Bench', prose(words, 7));
    const page = browser.page;
    await page.goto(app.server.url);
    await focusEditor(page);
    await page.waitForFunction(() => (window.__kaituhi?.editor?.textLength() ?? 0) > 1000);
    await page.keyboard.press('Control+End');
    // The page's clock: the last key down, and the first frame painted with the ghost (the provider's record).
    await page.evaluate(() => {
      const marks = window as unknown as { keyAt: number; tabAt: number };
      window.addEventListener(
        'keydown',
        (event) => {
          marks.keyAt = event.timeStamp;
          if (event.key === 'Tab') marks.tabAt = event.timeStamp;
        },
        true,
      );
    });
    const lastSeq = () => page.evaluate(() => window.__kaituhi?.inline.at(-1)?.seq ?? 0);
    /** The first suggestion after `seq` asked for by `trigger`, once it is painted. */
    const painted = async (seq: number, trigger: 'pause' | 'after-accept') => {
      // Runs in the page (a function serialized there, so it refers to nothing outside itself).
      const find = ({ after, by }: { after: number; by: string }) =>
        (window.__kaituhi?.inline ?? []).find((record) => record.seq > after && record.trigger === by && record.paintedAt !== undefined) ??
        null;
      try {
        await page.waitForFunction(find, { after: seq, by: trigger }, { timeout: 120_000 });
      } catch (error) {
        const records = await page.evaluate(() => window.__kaituhi?.inline.slice(-4));
        throw new Error(`no ghost came; the last requests: ${JSON.stringify(records)}`, { cause: error });
      }
      return (await page.evaluate(find, { after: seq, by: trigger }))!;
    };

    // Warm: the draft's first suggestion (opening the draft already prefilled the cache).
    let seq = await lastSeq();
    await page.keyboard.type(' The', { delay: 40 });
    await painted(seq, 'pause');
    await page.keyboard.press('Escape');

    type Shown = NonNullable<Awaited<ReturnType<typeof painted>>>;
    const rows: { pause: [Shown, number]; tab: [Shown, number] }[] = [];
    const lead = ['And', 'Then', 'But', 'So', 'Still', 'Later', 'Once', 'Now'];
    for (let round = 0; round < rounds; round++) {
      seq = await lastSeq();
      await page.keyboard.type(` ${lead[round % lead.length]}`, { delay: 40 });
      const first = await painted(seq, 'pause');
      const keyAt = await page.evaluate(() => (window as unknown as { keyAt: number }).keyAt);

      await page.waitForTimeout(readMs);
      seq = await lastSeq();
      await page.keyboard.press('Tab');
      const next = await painted(seq, 'after-accept');
      const tabAt = await page.evaluate(() => (window as unknown as { tabAt: number }).tabAt);
      rows.push({ pause: [first, keyAt], tab: [next, tabAt] });
      process.stderr.write(
        `round ${round + 1}: pause → ghost ${Math.round(first.paintedAt! - keyAt)} ms (${JSON.stringify(first.stats)}), ` +
          `Tab → ghost ${Math.round(next.paintedAt! - tabAt)} ms (${JSON.stringify(next.stats)})\n`,
      );
      await page.waitForTimeout(readMs);
      await page.keyboard.press('Escape');
    }
    const ghostPath = (which: 'pause' | 'tab'): GhostPath => {
      const parts = rows.map((row) => {
        const [record, keyAt] = row[which];
        const decode = record.stats?.decodeMs ?? NaN;
        return {
          keyToGhost: record.paintedAt! - keyAt,
          keyToRequest: record.requestedAt! - keyAt,
          prefill: record.stats?.prefillMs ?? NaN,
          decode,
          notDecoding: record.paintedAt! - keyAt - decode,
        };
      });
      const of = (key: keyof GhostPath) => summary(parts.map((part) => part[key]));
      return {
        keyToGhost: of('keyToGhost'),
        keyToRequest: of('keyToRequest'),
        prefill: of('prefill'),
        decode: of('decode'),
        notDecoding: of('notDecoding'),
      };
    };
    const contextTokens = await page.evaluate(() => {
      const text = document.querySelector('[data-testid=context-use]')?.textContent ?? '';
      return Number(/(\d+)/.exec(text)?.[1] ?? NaN);
    });
    const settings = app.services.settings.state.settings.inline;
    return {
      rounds,
      contextTokens,
      debounceMs,
      pause: ghostPath('pause'),
      tab: ghostPath('tab'),
      settings: `${settings.alternatives} alternatives, up to ${settings.maxTokens} tokens, stop at a ${settings.length}, ${readMs} ms reading each ghost`,
    };
  } finally {
    await browser.close();
    await app.cleanup();
  }
}

export function ghostLine(times: GhostTimes): string {
  const parts = (p: GhostPath) =>
    `median ${p.keyToGhost.median} ms (min ${p.keyToGhost.min}): request after ${p.keyToRequest.median}, prefill ${p.prefill.median}, ` +
    `decode ${p.decode.median}; all but decoding ${p.notDecoding.median} (min ${p.notDecoding.min})`;
  return (
    `ghost text, gpt2 (random) int8 at ctx ≈ ${times.contextTokens}, ${times.settings}, ${times.rounds} rounds in Chromium: ` +
    `Tab → next ghost ${parts(times.tab)}; pause → first ghost ${parts(times.pause)} (debounce ${times.debounceMs})`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const times = await tabToGhost();
  console.log(JSON.stringify(times, null, 2));
  console.log(ghostLine(times));
}
