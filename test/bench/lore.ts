/**
 * Lore and the prefix cache: a writer types `words` words into a draft, asking for a suggestion every 5 words, with
 * 8 lorebook entries whose keys come and go in the prose, and again with no lore. Between requests the engine's
 * background work (preparing the next slide) runs to the end, as it would while the writer types on. Reports the
 * share of requests that reuse at least 90 % of their tokens from the cache, the first-token latency, and how
 * often the active lore changed. `npm run bench` runs it on the 124M shape (BENCH_LORE_WORDS, default 300; 0 skips);
 * alone: `tsx test/bench/lore.ts MODEL_DIR [precision]`.
 */
import { newLoreEntry, type Lorebook } from '../../electron/common/lore.js';
import { inspectContextWith } from '../../electron/engine/context-view.js';
import { generateWith, prepareNextWindow } from '../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type Precision } from '../../electron/engine/types.js';
import { prose } from './prose.js';

/** Eight entries keyed on the bench prose's people and things: some recur often, some rarely, so they come and go. */
export const BENCH_LOREBOOK: Lorebook = {
  budget: 256,
  entries: [
    ['Aroha', 'Aroha is the keeper’s daughter; she rows alone and trusts no one from the city.', 'Aroha', 600],
    ['The captain', 'The captain lost his ship on the reef three winters ago.', 'captain', 400],
    ['The doctor', 'The doctor came from the city and never learned the tides.', 'doctor', 400],
    ['Her brother', 'Her brother went north for work and writes once a year.', 'brother', 300],
    ['The lamp', 'The lamp above the rocks has not been lit since the wreck.', 'lamp', 300],
    ['The chapel', 'The chapel bell rings when a boat is overdue.', 'chapel', 300],
    ['The storm', 'Storms come in from the west in late autumn and last three days.', 'storm', 300],
    ['The village', 'The village is forty houses and a pier, two hours from the nearest road.', 'village', 300],
  ].map(([title, text, key, depth], i) =>
    newLoreEntry(`bench-${i}`, { title: String(title), text: String(text), keys: [String(key)], scanDepth: Number(depth) }),
  ),
};

export interface LoreTypingResult {
  readonly requests: number;
  /** Mean prompt tokens: the context length the requests ran at. */
  readonly meanPromptTokens: number;
  /** Requests that took at least 90 % of their prompt from the cache. */
  readonly reuseShare: number;
  readonly meanFirstTokenMs: number;
  readonly medianFirstTokenMs: number;
  readonly p95FirstTokenMs: number;
  /** Requests whose active lore differed from the request before. */
  readonly loreChanges: number;
  readonly backgroundMs: number;
}

export async function typeWithLore(model: LoadedModel, words: number, lorebook: Lorebook | null): Promise<LoreTypingResult> {
  const all = prose(words + 1200, 13).split(' ');
  const startWords = 500;
  const base = { maxTokens: 4, candidates: 1, sampler: { ...DEFAULT_SAMPLER, greedy: true } };
  const firsts: number[] = [];
  const prompts: number[] = [];
  let reusing = 0;
  let loreChanges = 0;
  let backgroundMs = 0;
  let previousLore = '';
  for (let n = startWords; n <= startWords + words; n += 5) {
    const request: GenerateRequest = { ...base, context: all.slice(0, n).join(' '), ...(lorebook ? { lorebook } : {}) };
    const active = inspectContextWith(model, request)
      .segments.filter((s) => s.source === 'lore')
      .map((s) => s.entryId)
      .join(',');
    let first = 0;
    let prompt = 0;
    let reused = 0;
    for await (const e of generateWith(model, request)) {
      if (e.type === 'stats') ({ firstTokenMs: first, promptTokens: prompt, reusedTokens: reused } = e);
    }
    // The first request is the draft opening cold, not typing.
    if (n > startWords) {
      firsts.push(first);
      prompts.push(prompt);
      if (reused >= 0.9 * prompt) reusing++;
      if (active !== previousLore) loreChanges++;
    }
    previousLore = active;
    const t = performance.now();
    while (await prepareNextWindow(model, request, 32));
    backgroundMs += performance.now() - t;
  }
  const sorted = [...firsts].sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    requests: firsts.length,
    meanPromptTokens: mean(prompts),
    reuseShare: reusing / firsts.length,
    meanFirstTokenMs: mean(firsts),
    medianFirstTokenMs: sorted[Math.floor(sorted.length / 2)]!,
    p95FirstTokenMs: sorted[Math.floor(sorted.length * 0.95)]!,
    loreChanges,
    backgroundMs,
  };
}

/** The bench line: lore against no lore, side by side. */
export function loreBenchLine(label: string, words: number, lore: LoreTypingResult, none: LoreTypingResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  return (
    `${label}: typing ${words} words (a suggestion every 5 words, ${lore.requests} requests, ~${lore.meanPromptTokens.toFixed(0)}-token context) ` +
    `with 8 lore entries whose keys come and go (the active lore changed at ${lore.loreChanges} requests): ` +
    `${pct(lore.reuseShare)} of requests reuse ≥ 90 % of their tokens, mean first token ${lore.meanFirstTokenMs.toFixed(0)} ms ` +
    `(median ${lore.medianFirstTokenMs.toFixed(0)}, p95 ${lore.p95FirstTokenMs.toFixed(0)}); with no lore ` +
    `(~${none.meanPromptTokens.toFixed(0)}-token context) ${pct(none.reuseShare)}, mean ${none.meanFirstTokenMs.toFixed(0)} ms ` +
    `(median ${none.medianFirstTokenMs.toFixed(0)}, p95 ${none.p95FirstTokenMs.toFixed(0)}) = ` +
    `${(lore.meanFirstTokenMs / none.meanFirstTokenMs).toFixed(2)}× the mean`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [modelDir, precision = 'int8'] = process.argv.slice(2);
  if (!modelDir) {
    process.stderr.write('usage: tsx test/bench/lore.ts MODEL_DIR [precision]\n');
    process.exit(2);
  }
  const words = Number(process.env.BENCH_LORE_WORDS ?? 300);
  const model = await loadModel({ modelDir, precision: precision as Precision, devices: ['cpu'] });
  const lore = await typeWithLore(model, words, BENCH_LOREBOOK);
  const none = await typeWithLore(model, words, null);
  console.log(JSON.stringify({ lore, none }, null, 2));
  console.log(loreBenchLine(`${model.info.modelName} ${precision}`, words, lore, none));
  await model.release();
}
