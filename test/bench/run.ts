/**
 * `npm run bench`: Kaituhi's speed, side by side in one run (the machine is shared and noisy: read the ratios).
 * - decode ms/token of the checkpoint graph and of the ONNX export on the fast graph, against Transformers.js on
 *   the same export and against the memory floor (from STREAM copy and from a read-only probe);
 * - prefill of 1000 tokens, its GFLOP/s against the FMA peak; load; three candidates; a warm suggestion;
 * - window slides while typing past the window: the worst first-token latency against the warm median;
 * - greedy agreement: quantized against fp32, the export on the fast graph against the export as it is;
 * - lore: typing with 8 lorebook entries whose keys come and go, against the same typing with no lore (lore.ts).
 * Models are generated with the project's own command if missing (random weights at GPT-2 shapes).
 *
 * Knobs (environment): BENCH_SHAPES (gpt2), BENCH_PRECISIONS (fp32,int8), BENCH_CONTEXTS (32,512,1000),
 * BENCH_STEPS (16), BENCH_TJS (1: Transformers.js), BENCH_EXPORT (1: the export's rows), BENCH_AGREEMENT (1),
 * BENCH_SLIDE_WORDS (2000; 0 skips), BENCH_SLIDE_PRECISIONS (int8), BENCH_SLIDE_BASELINE (0: 1 also times the
 * slides with no background preparation), BENCH_SCORE (1: scoring 1,000 words cold and after a one-word edit),
 * BENCH_API_CLIENTS (1,2,4: the completions API with that many clients at once, on the first shape in int8; empty skips),
 * BENCH_LORE_WORDS (300; 0 skips), BENCH_GHOST (0: 1 also times Tab → next ghost text against a pause → first
 * ghost text in Chromium, tab-to-ghost.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWith, prepareNextWindow } from '../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../electron/engine/model/load-model.js';
import { PREFILL_CHUNK } from '../../electron/engine/runtime/kaituhi-decoder.js';
import { DEFAULT_SAMPLER, type EngineLoadOptions, type Precision } from '../../electron/engine/types.js';
import type { TestModelShape } from '../../models/test-model-shapes.js';
import { TEST_MODEL_SHAPES } from '../../models/test-model-shapes.js';
import { AGREEMENT_PROMPTS, greedyAgreement, greedyAgreementOf } from './agreement.js';
import { measureApiConcurrency, type ConcurrencyRow } from './api-concurrency.js';
import { measureBandwidth } from './bandwidth.js';
import { benchModel, EXPORT_PRECISIONS } from './models.js';
import { fmaPeak, gemmProbe, prefillFlops } from './compute.js';
import { prose } from './prose.js';
import { scoringBench, scoringLine } from './scoring.js';
import { BENCH_LOREBOOK, loreBenchLine, typeWithLore } from './lore.js';
import { transformersJsDecodeMs } from './transformers-js.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const list = (name: string, fallback: string): string[] => (process.env[name] ?? fallback).split(',').filter(Boolean);
const flag = (name: string, fallback: boolean): boolean => (process.env[name] ?? (fallback ? '1' : '0')) !== '0';
const shapes = list('BENCH_SHAPES', 'gpt2') as TestModelShape[];
const precisions = list('BENCH_PRECISIONS', 'fp32,int8') as Precision[];
const CONTEXTS = list('BENCH_CONTEXTS', '32,512,1000').map(Number);
const STEPS = Number(process.env.BENCH_STEPS ?? 16);
const SLIDE_WORDS = Number(process.env.BENCH_SLIDE_WORDS ?? 2000);
const LORE_WORDS = Number(process.env.BENCH_LORE_WORDS ?? 300);
const slidePrecisions = list('BENCH_SLIDE_PRECISIONS', 'int8') as Precision[];
export interface Timing {
  /** Best case: what the code costs when the shared machine lets it run. */
  readonly min: number;
  readonly median: number;
}

function timing(xs: number[]): Timing {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]! };
}

function randomTokens(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % 50000;
  });
}

async function decodeTimes(model: LoadedModel, ctx: number, batch = 1): Promise<number[]> {
  await model.decoder.setContext(randomTokens(ctx, ctx + batch));
  model.decoder.startGeneration(batch, STEPS + 1);
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t = performance.now();
    await model.decoder.step(Array.from({ length: batch }, (_, b) => 100 + i + b));
    times.push(performance.now() - t);
  }
  return times;
}

/** Decode timings of several models at one context, interleaved in halves so that drift hits them alike. */
async function decodeSideBySide(models: Record<string, LoadedModel>, ctx: number): Promise<Record<string, Timing>> {
  const times: Record<string, number[]> = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, m] of Object.entries(models)) (times[name] ??= []).push(...(await decodeTimes(m, ctx)));
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, timing(v)]));
}

function weightBytes(shape: TestModelShape, precision: Precision): number {
  const c = TEST_MODEL_SHAPES[shape];
  const perLayer = 12 * c.nEmbd * c.nEmbd;
  const matrices = c.nLayer * perLayer + c.vocabSize * c.nEmbd; // blocks + LM head
  const bytesPer = { fp32: 4, fp16: 4, int8: 1 + 4 / 32, q4: 0.5 + 4 / 32 }[precision];
  return matrices * bytesPer;
}

function kvBytes(shape: TestModelShape, ctx: number): number {
  const c = TEST_MODEL_SHAPES[shape];
  return 2 * c.nLayer * ctx * c.nEmbd * 4;
}

async function load(options: EngineLoadOptions): Promise<{ model: LoadedModel; ms: number }> {
  const t = performance.now();
  const model = await loadModel({ devices: ['cpu'], ...options });
  return { model, ms: performance.now() - t };
}

/** A warm 12-token suggestion: a ~1000-token draft is in the prefix cache; the writer types one more word. */
async function warmSuggestion(model: LoadedModel): Promise<{ firstTokenMs: number; totalMs: number; reused: string }> {
  const draft = prose(790, 7);
  const request = { maxTokens: 12, candidates: 1, sampler: { ...DEFAULT_SAMPLER, greedy: true } };
  for await (const _ of generateWith(model, { ...request, context: draft })) void _;
  let firstTokenMs = 0;
  let reused = '';
  const start = performance.now();
  for await (const e of generateWith(model, { ...request, context: `${draft} Then` })) {
    if (e.type === 'token' && firstTokenMs === 0) firstTokenMs = performance.now() - start;
    if (e.type === 'stats') reused = `${e.reusedTokens}/${e.promptTokens} reused`;
  }
  return { firstTokenMs, totalMs: performance.now() - start, reused };
}

interface SlideResult {
  readonly requests: number;
  readonly slides: number;
  readonly warmMedianMs: number;
  readonly worstMs: number;
  readonly worstVsMedian: number;
  /** Context tokens reused / prompt tokens of the slowest request. */
  readonly worstReused: string;
  /** The slowest of the requests right after a slide, and the 95th percentile of all (noise shows in the worst). */
  readonly worstAtSlideMs: number;
  readonly p95Ms: number;
  readonly backgroundMs: number;
}

/**
 * A writer typing `words` words past the window, asking for a suggestion every 5 words; between requests, the
 * engine's background work (preparing the next slide) runs to the end, as it would while the writer types the
 * next words (about 4 s for 5 words). First-token latency of every request; the draft is warm at the start.
 */
async function typePastTheWindow(model: LoadedModel, words: number, background: boolean): Promise<SlideResult> {
  const all = prose(words + 1000, 11).split(' ');
  const request = { maxTokens: 4, candidates: 1, sampler: { ...DEFAULT_SAMPLER, greedy: true } };
  const firsts: number[] = [];
  const reuse: string[] = [];
  const atSlides: number[] = [];
  let slides = 0;
  let backgroundMs = 0;
  let previousPrompt = 0;
  for (let n = 760; n <= 760 + words; n += 5) {
    const context = all.slice(0, n).join(' ');
    let first = 0;
    let reused = '';
    const start = performance.now();
    for await (const e of generateWith(model, { ...request, context })) {
      if (e.type === 'token' && first === 0) first = performance.now() - start;
      if (e.type === 'stats') {
        if (e.promptTokens < previousPrompt && n > 760) {
          slides++;
          atSlides.push(first);
        }
        previousPrompt = e.promptTokens;
        reused = `${e.reusedTokens}/${e.promptTokens}`;
      }
    }
    // The first request is the cold start of the draft, not a slide.
    if (n > 760) {
      firsts.push(first);
      reuse.push(reused);
    }
    if (background) {
      const t = performance.now();
      while (await prepareNextWindow(model, { context, maxTokens: request.maxTokens }, 32));
      backgroundMs += performance.now() - t;
    }
  }
  const t = timing(firsts);
  const worst = Math.max(...firsts);
  const worstReused = reuse[firsts.indexOf(worst)]!;
  const p95Ms = [...firsts].sort((a, b) => a - b)[Math.floor(firsts.length * 0.95)]!;
  return {
    requests: firsts.length,
    slides,
    warmMedianMs: t.median,
    worstMs: worst,
    worstVsMedian: worst / t.median,
    worstReused,
    worstAtSlideMs: Math.max(0, ...atSlides),
    p95Ms,
    backgroundMs,
  };
}

const rows: Record<string, unknown>[] = [];
const notes: string[] = [];
const measured = await measureBandwidth();
const gb = (x: number): string => (x / 1e9).toFixed(1);
const bandwidthLine =
  `memory bandwidth, ${measured.threads} threads: STREAM copy ${gb(measured.copyAllThreads)} GB/s (one thread ${gb(measured.copyOneThread)}), ` +
  `read-only probe ${gb(measured.readAllThreads)} GB/s (one thread ${gb(measured.readOneThread)})`;
process.stderr.write(`${bandwidthLine}\n`);
const peak = await fmaPeak();
const gemm = await gemmProbe();
const peakLine = `FMA peak ${peak.gflops.toFixed(0)} GFLOP/s (${peak.formula}); onnxruntime fp32 GEMM [512×768]·[768×3072] reaches ${gemm.toFixed(0)} GFLOP/s`;
process.stderr.write(`${peakLine}\n`);

const results: Record<string, unknown> = {};
for (const shape of shapes) {
  const config = TEST_MODEL_SHAPES[shape];
  const checkpoint = await benchModel(shape, 'safetensors');
  const exportDir = flag('BENCH_EXPORT', true) || flag('BENCH_TJS', true) ? await benchModel(shape, 'onnx') : null;
  for (const precision of precisions) {
    const ckpt = await load({ modelDir: checkpoint, precision, cacheDir: path.join(checkpoint, '.kaituhi-cache') });
    const withExport = exportDir !== null && flag('BENCH_EXPORT', true) && EXPORT_PRECISIONS.includes(precision);
    const exp = withExport ? await load({ modelDir: exportDir, precision }) : null;
    if (exp && exp.model.info.graph !== 'kaituhi') notes.push(`${precision} export ran as exported: ${exp.model.info.graphFallbackReason}`);

    const t0 = performance.now();
    await ckpt.model.decoder.setContext(randomTokens(1000, 99));
    const prefillMs = performance.now() - t0;
    const gflops = prefillFlops(config, 1000, PREFILL_CHUNK) / (prefillMs / 1000) / 1e9;
    let exportPrefillMs: number | null = null;
    if (exp) {
      const t1 = performance.now();
      await exp.model.decoder.setContext(randomTokens(1000, 99));
      exportPrefillMs = performance.now() - t1;
    }

    const decode: Record<number, Record<string, Timing>> = {};
    for (const ctx of CONTEXTS)
      decode[ctx] = await decodeSideBySide(exp ? { ckpt: ckpt.model, exp: exp.model } : { ckpt: ckpt.model }, ctx);
    const three = timing(await decodeTimes(ckpt.model, 1000, 3));
    const one1000 = decode[1000]?.ckpt ?? timing(await decodeTimes(ckpt.model, 1000));
    const warm = await warmSuggestion(ckpt.model);
    await exp?.model.release();

    const tjs =
      exportDir !== null && flag('BENCH_TJS', true) && EXPORT_PRECISIONS.includes(precision)
        ? await transformersJsDecodeMs(exportDir, precision, CONTEXTS, STEPS)
        : null;
    for (const ctx of CONTEXTS) {
      const bytes = weightBytes(shape, precision) + kvBytes(shape, ctx);
      const floorCopy = (bytes / measured.copyAllThreads) * 1000;
      const floorRead = (bytes / measured.readAllThreads) * 1000;
      const k = decode[ctx]!.ckpt!;
      const e = decode[ctx]!.exp;
      const t = tjs?.[ctx];
      rows.push({
        model: `${shape} (random)`,
        precision,
        ctx,
        kaituhiMin: +k.min.toFixed(2),
        kaituhiMedian: +k.median.toFixed(2),
        exportMin: e ? +e.min.toFixed(2) : null,
        exportMedian: e ? +e.median.toFixed(2) : null,
        exportVsCheckpointMin: e ? +(e.min / k.min).toFixed(2) : null,
        floorCopyMs: +floorCopy.toFixed(2),
        floorReadMs: +floorRead.toFixed(2),
        minVsFloorCopy: +(k.min / floorCopy).toFixed(2),
        minVsFloorRead: +(k.min / floorRead).toFixed(2),
        tjsMin: t ? +t.min.toFixed(2) : null,
        tjsMedian: t ? +t.median.toFixed(2) : null,
        speedupVsTjsMin: t ? +(t.min / k.min).toFixed(2) : null,
        growthVsCtx32Min: decode[32] ? +(k.min / decode[32].ckpt!.min).toFixed(2) : null,
      });
    }
    results[`${shape}/${precision}`] = {
      loadMs: Math.round(ckpt.ms),
      exportLoadMs: exp ? Math.round(exp.ms) : null,
      prefill1000Ms: Math.round(prefillMs),
      exportPrefill1000Ms: exportPrefillMs === null ? null : Math.round(exportPrefillMs),
      prefillGflops: +gflops.toFixed(1),
      prefillShareOfPeak: +(gflops / peak.gflops).toFixed(2),
      threeCandidatesVsOneMin: +(three.min / one1000.min).toFixed(2),
      warmSuggestion: warm,
    };
    notes.push(
      `${shape} ${precision}: prefill of 1000 tokens ${(prefillMs / 1000).toFixed(2)} s = ${gflops.toFixed(0)} GFLOP/s ` +
        `(${((100 * gflops) / peak.gflops).toFixed(0)} % of the FMA peak, ${((100 * gflops) / gemm).toFixed(0)} % of the GEMM probe)` +
        `${exportPrefillMs === null ? '' : `; from the ONNX export ${(exportPrefillMs / 1000).toFixed(2)} s`}; ` +
        `load ${Math.round(ckpt.ms)} ms${exp ? ` (export ${Math.round(exp.ms)} ms)` : ''}; three candidates ${(three.min / one1000.min).toFixed(2)}× one; ` +
        `warm 12-token suggestion ${warm.totalMs.toFixed(0)} ms, first token ${warm.firstTokenMs.toFixed(0)} ms (${warm.reused})`,
    );
    if (withExport) {
      const at = (ctx: number): string => {
        const d = decode[ctx];
        return d?.exp ? `${(d.exp.min / d.ckpt!.min).toFixed(2)} (median ${(d.exp.median / d.ckpt!.median).toFixed(2)})` : 'n/a';
      };
      notes.push(
        `${shape} ${precision}: ONNX export on the fast graph vs checkpoint, ms/token ratio at ctx 1000 ${at(1000)}, at ctx 32 ${at(32)}`,
      );
    }

    if (SLIDE_WORDS > 0 && slidePrecisions.includes(precision)) {
      const slide = await typePastTheWindow(ckpt.model, SLIDE_WORDS, true);
      results[`${shape}/${precision}/slides`] = slide;
      notes.push(
        `${shape} ${precision}: typing ${SLIDE_WORDS} words past the window, a suggestion every 5 words (${slide.requests} requests, ${slide.slides} slides): ` +
          `worst first token ${slide.worstMs.toFixed(0)} ms (${slide.worstReused} tokens reused) vs warm median ${slide.warmMedianMs.toFixed(0)} ms = ${slide.worstVsMedian.toFixed(2)}×; ` +
          `worst right after a slide ${slide.worstAtSlideMs.toFixed(0)} ms (${(slide.worstAtSlideMs / slide.warmMedianMs).toFixed(2)}×), p95 ${slide.p95Ms.toFixed(0)} ms ` +
          `(background work ${(slide.backgroundMs / 1000).toFixed(1)} s in all)`,
      );
      if (flag('BENCH_SLIDE_BASELINE', false)) {
        const base = await typePastTheWindow(ckpt.model, SLIDE_WORDS, false);
        results[`${shape}/${precision}/slides-without-background`] = base;
        notes.push(
          `${shape} ${precision}: the same without background preparation: worst ${base.worstMs.toFixed(0)} ms vs median ${base.warmMedianMs.toFixed(0)} ms = ${base.worstVsMedian.toFixed(2)}×`,
        );
      }
    }
    if (LORE_WORDS > 0 && slidePrecisions.includes(precision)) {
      const lore = await typeWithLore(ckpt.model, LORE_WORDS, BENCH_LOREBOOK);
      const none = await typeWithLore(ckpt.model, LORE_WORDS, null);
      results[`${shape}/${precision}/lore`] = { lore, none };
      notes.push(loreBenchLine(`${shape} ${precision}`, LORE_WORDS, lore, none));
    }
    await ckpt.model.release();
    if (flag('BENCH_SCORE', true)) {
      const scoring = await scoringBench({ modelDir: checkpoint, precision, cacheDir: path.join(checkpoint, '.kaituhi-cache') });
      results[`${shape}/${precision}/scoring`] = scoring;
      notes.push(scoringLine(`${shape} ${precision}`, scoring));
    }
  }
}

// The completions API with several clients at once: what each waits for its first token.
const apiClients = list('BENCH_API_CLIENTS', '1,2,4').map(Number);
let apiConcurrency: ConcurrencyRow[] = [];
if (apiClients.length > 0) {
  const precision: Precision = precisions.includes('int8') ? 'int8' : precisions[0]!;
  apiConcurrency = await measureApiConcurrency(await benchModel(shapes[0]!, 'safetensors'), { precision, clients: apiClients });
  for (const row of apiConcurrency) {
    notes.push(
      `completions API, ${shapes[0]} ${precision}, ${row.clients} client(s) at once: first token median ${row.firstTokenMedianMs} ms, ` +
        `p95 ${row.firstTokenP95Ms} ms; ${row.tokensPerSecond} tokens/s for all together (${row.requests} requests of 16 tokens` +
        `${row.refused > 0 ? `, ${row.refused} refused` : ''})`,
    );
  }
}

// Greedy agreement (teacher-forced, 4 prompts × 32 steps).
const agreement: Record<string, number> = {};
if (flag('BENCH_AGREEMENT', true)) {
  for (const shape of shapes) {
    const dir = await benchModel(shape, 'safetensors');
    for (const precision of precisions.filter((p) => p !== 'fp32')) {
      agreement[`${shape} checkpoint ${precision} vs fp32`] = +(await greedyAgreement(dir, precision, AGREEMENT_PROMPTS)).toFixed(3);
    }
    if (flag('BENCH_EXPORT', true)) {
      const exportDir = await benchModel(shape, 'onnx');
      for (const precision of precisions.filter((p) => EXPORT_PRECISIONS.includes(p))) {
        agreement[`${shape} export ${precision}, fast graph vs as exported`] = +(
          await greedyAgreementOf(
            { modelDir: exportDir, precision, graph: 'as-exported' },
            { modelDir: exportDir, precision },
            AGREEMENT_PROMPTS,
          )
        ).toFixed(3);
      }
    }
  }
}

if (flag('BENCH_GHOST', false)) {
  // Chromium, Vite and the server load only when asked for.
  const { ghostLine, tabToGhost } = await import('./tab-to-ghost.js');
  const ghost = await tabToGhost();
  results.ghost = ghost;
  notes.push(ghostLine(ghost));
}

const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.table(rows);
for (const line of notes) console.log(line);
console.log('greedy tokens equal (share of 4 prompts × 32 teacher-forced steps):', JSON.stringify(agreement));
console.log(bandwidthLine);
console.log(peakLine);
console.log(
  `peak RSS ${peakRssMb.toFixed(0)} MB; decode ms/token, min and median of ${2 * STEPS} steps each (${STEPS} per model, interleaved twice), ` +
    `batch 1; models have random weights at the shapes named; floor = (weight bytes + K/V bytes read per token) / bandwidth`,
);
const out = path.join(root, 'test', 'bench', 'results');
await mkdir(out, { recursive: true });
await writeFile(
  path.join(out, 'latest.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      bandwidth: measured,
      fmaPeak: peak,
      gemmProbeGflops: gemm,
      agreement,
      apiConcurrency,
      peakRssMb,
      results,
      rows,
      notes,
    },
    null,
    2,
  ),
);
