/**
 * The completions API under several clients at once: `kaituhi serve` (its engine host in a child process, as a
 * writer runs it) on a model, and 1, 2, 4… clients, each a writer in a text of their own who asks for a 16-token
 * continuation, reads it to the end, adds a few words and asks again. What each client waits for its first token
 * (median and p95) and the tokens per second all clients get together. One engine serves one request at a time, so
 * the first token waits for the requests ahead of it; and its one prefix cache holds one text, so clients in
 * different texts each pay a prefill.
 *
 * `npm run bench` runs it (BENCH_API_CLIENTS, default 1,2,4; empty skips); alone:
 * `npx tsx test/bench/api-concurrency.ts [modelDir] [precision]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEngineHost } from '../../electron/engine/index.js';
import type { Precision } from '../../electron/engine/types.js';
import { startServer } from '../../electron/server/server.js';
import { AppServices } from '../../electron/services/app-services.js';
import { prose } from './prose.js';

export interface ConcurrencyRow {
  readonly clients: number;
  readonly requests: number;
  readonly firstTokenMedianMs: number;
  readonly firstTokenP95Ms: number;
  /** Tokens per second of all clients together, over the whole run. */
  readonly tokensPerSecond: number;
  /** Requests refused with 429 (the queue was full): none expected below CLIENT_LIMITS.apiGenerations clients. */
  readonly refused: number;
}

const MAX_TOKENS = 16;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** One streamed completion: milliseconds to the first text, and the tokens it wrote (0 and -1 when refused). */
async function completion(base: string, key: string, prompt: string): Promise<{ firstMs: number; tokens: number }> {
  const started = performance.now();
  const response = await fetch(`${base}/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, max_tokens: MAX_TOKENS, temperature: 0.8, top_k: 40, stream: true }),
  });
  if (response.status === 429) {
    await response.body?.cancel();
    return { firstMs: 0, tokens: -1 };
  }
  if (!response.ok || !response.body) throw new Error(`the server answered ${response.status}: ${await response.text()}`);
  let firstMs = 0;
  let tokens = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = event.replace(/^data: /, '');
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { choices: Array<{ text: string }>; usage?: { completion_tokens: number } };
      if (firstMs === 0 && chunk.choices.some((choice) => choice.text !== '')) firstMs = performance.now() - started;
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  return { firstMs, tokens };
}

/** `clients` writers, `rounds` requests each, all at once; each writer's text grows by a sentence per request. */
async function run(base: string, key: string, clients: number, rounds: number): Promise<ConcurrencyRow> {
  const firsts: number[] = [];
  let tokens = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      // A draft of about 600 tokens each, different per client.
      const words = prose(500, 100 + client).split(' ');
      for (let round = 0; round < rounds; round++) {
        const text = words.slice(0, 440 + round * 6).join(' ');
        const result = await completion(base, key, text);
        if (result.tokens < 0) refused += 1;
        else {
          firsts.push(result.firstMs);
          tokens += result.tokens;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = firsts.sort((a, b) => a - b);
  return {
    clients,
    requests: clients * rounds,
    firstTokenMedianMs: Math.round(percentile(sorted, 0.5)),
    firstTokenP95Ms: Math.round(percentile(sorted, 0.95)),
    tokensPerSecond: +(tokens / seconds).toFixed(1),
    refused,
  };
}

export async function measureApiConcurrency(
  modelDir: string,
  options: { precision?: Precision; clients?: readonly number[]; rounds?: number } = {},
): Promise<ConcurrencyRow[]> {
  const home = await mkdtemp(path.join(tmpdir(), 'kaituhi-bench-api-'));
  const services = new AppServices({
    mode: 'server',
    version: 'bench',
    settingsFile: path.join(home, 'settings.json'),
    modelDirOverride: modelDir,
    startEngineHost,
    engineOptions: { devices: ['cpu'], ...(options.precision ? { precision: options.precision } : {}) },
  });
  await services.boot();
  if (services.engine.state.status !== 'ready') throw new Error(`the model did not load: ${services.engine.state.message ?? ''}`);
  // The API needs no page: the renderer folder is left empty.
  const server = await startServer({ services, rendererDir: home, port: 0 });
  try {
    // Warm: the graph is built and the first prefill paid before anything is timed.
    await completion(server.apiUrl, server.token, prose(100, 1));
    const rows: ConcurrencyRow[] = [];
    for (const clients of options.clients ?? [1, 2, 4]) rows.push(await run(server.apiUrl, server.token, clients, options.rounds ?? 6));
    return rows;
  } finally {
    await server.close();
    await services.shutdown();
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [modelDir, precision] = process.argv.slice(2);
  if (!modelDir) {
    process.stderr.write('usage: tsx test/bench/api-concurrency.ts MODEL_DIR [PRECISION]\n');
    process.exit(2);
  }
  console.table(await measureApiConcurrency(modelDir, precision ? { precision: precision as Precision } : {}));
}
