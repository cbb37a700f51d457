/**
 * `npm run bench:micro`: the CPU-side costs that tests used to time inline (a test asserts what happens; a
 * wall clock on a shared machine mostly measures the neighbours). Prints min and median of several runs, and
 * CPU time where a single call is measured.
 *
 * - sampleToken over a 50257-token vocabulary, per sampler configuration
 * - assembleContext on a 10 MB document, and how much of it is tokenizing
 * - the tokenizer on ~5000 words of prose: first time, again, and one 6000-character window
 * - drafts: counting the words of 10 MB, writing 10 MB atomically, opening and saving a 10 MB draft; applying 100
 *   and 1000 changes to a million characters (one pass: the two should cost about the same)
 * - the engine host: the worst gap of a 5 ms timer in the caller while the host prefills ~1020 tokens, beside the
 *   same timer's worst gap with nothing running
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as gpt2 } from 'gpt-tokenizer/encoding/r50k_base';
import { countWords } from '../../electron/common/word-count.js';
import { DEFAULT_SAMPLER, type SamplerSettings } from '../../electron/common/generation.js';
import { atomicWrite } from '../../electron/disk/atomic-write.js';
import { nodeFs } from '../../electron/disk/fs-layer.js';
import { applyTextChanges } from '../../electron/drafts/draft-buffer.js';
import { DraftLibrary } from '../../electron/drafts/library.js';
import { assembleContext } from '../../electron/engine/context-window.js';
import { startEngineHost } from '../../electron/engine/host/engine-host.js';
import { createRng, sampleToken } from '../../electron/engine/sampling.js';
import { loadTokenizer, writeGpt2TokenizerFiles } from '../../electron/engine/tokenizer/index.js';
import { testModel } from '../support/fixtures.js';
import { randomLogits } from '../support/random-logits.js';
import { prose } from './prose.js';

function timings(runs: number, work: () => void): { min: number; median: number } {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    work();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { min: times[0]!, median: times[Math.floor(times.length / 2)]! };
}

async function timingsAsync(runs: number, work: () => Promise<void>): Promise<{ min: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { min: times[0]!, median: times[Math.floor(times.length / 2)]! };
}

const ms = (t: { min: number; median: number }): string => `min ${t.min.toFixed(2)} ms, median ${t.median.toFixed(2)} ms`;

function sampling(): void {
  const plain: SamplerSettings = { ...DEFAULT_SAMPLER, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
  const logits = randomLogits(50257, 5);
  const history = Array.from({ length: 1024 }, (_, i) => (i * 7919) % 50257);
  const row = new Float32Array(logits.length);
  const rng = createRng(1);
  const configs: [string, Partial<SamplerSettings>][] = [
    ['default (top-k 40, top-p 0.95, rep 1.1)', { temperature: 0.8, topK: 40, topP: 0.95, repetitionPenalty: 1.1 }],
    ['greedy', { greedy: true }],
    ['top-p 0.95 only', { temperature: 0.8, topP: 0.95 }],
    ['min-p 0.05 only', { minP: 0.05 }],
    ['typical 0.9 only', { typicalP: 0.9 }],
    ['no-repeat 3-gram + top-k 40', { topK: 40, noRepeatNgramSize: 3 }],
  ];
  console.log('sampleToken, vocab 50257, history 1024 (including a 200 KB row copy per call):');
  for (const [name, c] of configs) {
    const s = { ...plain, ...c };
    const call = (): void => {
      row.set(logits);
      sampleToken(row, history, s, rng);
    };
    timings(50, call);
    const cpu0 = process.cpuUsage();
    const t = timings(300, call);
    const cpu = process.cpuUsage(cpu0);
    console.log(`  ${name.padEnd(42)} ${ms(t)}; ${((cpu.user + cpu.system) / 1000 / 300).toFixed(3)} ms CPU per call`);
  }
}

function contextWindow(): void {
  const text = `${prose(1_700_000)} The end is near.`;
  text.charCodeAt(text.length >> 1);
  let encodeMs = 0;
  const timedEncode = (s: string): number[] => {
    const t = performance.now();
    const out = gpt2(s);
    encodeMs += performance.now() - t;
    return out;
  };
  assembleContext({ text, encode: timedEncode, window: 1024, reserve: 64 });
  encodeMs = 0;
  const runs = 20;
  const t = timings(runs, () => void assembleContext({ text, encode: timedEncode, window: 1024, reserve: 64 }));
  console.log(
    `assembleContext on ${(text.length / 1e6).toFixed(1)} MB: ${ms(t)} per call, of which tokenizing ${(encodeMs / runs).toFixed(2)} ms on average`,
  );
}

async function tokenizer(dir: string): Promise<void> {
  await writeGpt2TokenizerFiles(join(dir, 'gpt2'));
  const tok = await loadTokenizer(join(dir, 'gpt2'));
  const text = prose(5000, 42);
  const first = timings(1, () => void tok.encode(text));
  const again = timings(5, () => void tok.encode(text));
  const window = timings(20, () => void tok.encode(text.slice(-6000)));
  console.log(
    `tokenizer on 5000 words (${text.length} characters) of prose: first ${ms(first)}, again ${ms(again)}; a 6000-character window ${ms(window)}`,
  );
}

async function drafts(dir: string): Promise<void> {
  const big = 'It was a dark and stormy night; 雨一直下。 The rain fell in torrents 🌧️.\n'.repeat(150_000);
  const mb = (Buffer.byteLength(big) / 1e6).toFixed(1);
  console.log(`countWords on ${mb} MB: ${ms(timings(5, () => void countWords(big)))}`);
  console.log(
    `atomicWrite of ${mb} MB: ${ms(await timingsAsync(5, async () => void (await atomicWrite(nodeFs, join(dir, 'big.md'), big))))}`,
  );
  const make = () => new DraftLibrary({ root: join(dir, 'Library'), stateDir: join(dir, 'state'), watch: null });
  const setup = make();
  await setup.boot();
  const { id } = await setup.catalog.create('Big', big);
  await setup.shutdown();
  const open = await timingsAsync(3, async () => {
    const library = make();
    await library.boot();
    await library.buffers.open(id);
    await library.shutdown();
  });
  const library = make();
  await library.boot();
  const draft = await library.buffers.open(id);
  let round = 0;
  const save = await timingsAsync(3, async () => {
    const line = `One more line ${round++}.\n`;
    const length = library.buffers.buffer(id).text.length;
    library.buffers.edit(id, { kind: 'changes', changes: [{ offset: length, deleteCount: 0, text: line }], length: length + line.length });
    await library.buffers.save(id);
  });
  await library.shutdown();
  console.log(`a ${mb} MB draft (${draft.text.length} characters): open ${ms(open)}; save (journal + text + metadata) ${ms(save)}`);
}

function textChanges(): void {
  const text = 'x'.repeat(1_000_000);
  const changes = (n: number) => Array.from({ length: n }, (_, i) => ({ offset: i * 900, deleteCount: 1, text: 'yy' }));
  const hundred = changes(100);
  const thousand = changes(1000);
  timings(3, () => void applyTextChanges(text, thousand));
  const few = timings(7, () => void applyTextChanges(text, hundred));
  const many = timings(7, () => void applyTextChanges(text, thousand));
  console.log(
    `applyTextChanges on 1 M characters: 100 changes ${ms(few)}; 1000 changes ${ms(many)} (ratio of minima ${(many.min / few.min).toFixed(2)}; one copy per change would make it ~10)`,
  );
}

/** Worst gap between ticks of a 5 ms interval timer while `work` runs. */
async function worstTimerGap(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 5);
  await work();
  clearInterval(timer);
  return worst;
}

async function engineHost(): Promise<void> {
  // distilgpt2's shape: big enough that a 1024-token prefill on this thread would stall it visibly.
  const host = await startEngineHost({ modelDir: await testModel('distilgpt2-seed3', { shape: 'distilgpt2', seed: 3 }), devices: ['cpu'] });
  try {
    // Longer than the window: the engine keeps the last ~1000 tokens of it.
    const context = prose(2000, 7);
    let prefillMs = 0;
    let contextTokens = 0;
    const idleBefore = await worstTimerGap(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    const during = await worstTimerGap(async () => {
      const request = { context, maxTokens: 1, candidates: 1, sampler: { ...DEFAULT_SAMPLER, seed: 1 } };
      for await (const e of host.generate(request)) {
        if (e.type === 'stats') {
          prefillMs = e.prefillMs;
          contextTokens = e.contextTokens;
        }
      }
    });
    const idleAfter = await worstTimerGap(() => new Promise((resolve) => setTimeout(resolve, Math.max(prefillMs, 100))));
    console.log(
      `engine host: prefill of ${contextTokens} tokens ${prefillMs.toFixed(0)} ms in the host; the caller's worst 5 ms timer gap ${during.toFixed(1)} ms (idle: ${Math.max(idleBefore, idleAfter).toFixed(1)} ms)`,
    );
  } finally {
    await host.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'kaituhi-bench-'));
try {
  sampling();
  contextWindow();
  await tokenizer(dir);
  await drafts(dir);
  textChanges();
  await engineHost();
} finally {
  await rm(dir, { recursive: true, force: true });
}
