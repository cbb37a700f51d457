/**
 * `kaituhi serve`'s completions API on the tiny generated model, over real HTTP, with the engine host wrapped so
 * that a test can see what each generation did in the engine (how it ended, how many tokens it decoded): the real
 * engine runs every request, the wrapper only watches.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEngineHost } from '../../../electron/engine/index.js';
import type { EngineHost, GenerateRequest, GenerationStats, StopReason } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';
import { startTestServer, type TestServer } from './test-server.js';

export const API_KEY = 'test-key-0123456789abcdef';
export const ALLOWED_ORIGIN = 'http://localhost:5173';

export interface WatchedGeneration {
  readonly request: GenerateRequest;
  readonly reasons: StopReason[];
  stats: GenerationStats | null;
  ended: boolean;
}

export interface OpenAiStack extends TestServer {
  readonly modelDir: string;
  readonly generations: WatchedGeneration[];
  readonly base: string;
}

export async function startOpenAiStack(options: { port?: number } = {}): Promise<OpenAiStack> {
  const generations: WatchedGeneration[] = [];
  const modelDir = await tinyCheckpoint();
  const stack = await startTestServer({
    services: { modelDirOverride: modelDir, startEngineHost: async (options) => watched(await startEngineHost(options), generations) },
    server: { apiKey: API_KEY, corsOrigins: [ALLOWED_ORIGIN], port: options.port ?? 0 },
  });
  return { ...stack, modelDir, generations, base: stack.server.apiUrl };
}

function watched(host: EngineHost, log: WatchedGeneration[]): EngineHost {
  return {
    info: () => host.info(),
    countTokens: (text) => host.countTokens(text),
    prefill: (request) => host.prefill(request),
    score: (request, signal) => host.score(request, signal),
    inspectContext: (request) => host.inspectContext(request),
    close: () => host.close(),
    onEvent: (listener) => host.onEvent(listener),
    kill: () => host.kill(),
    reload: (options) => host.reload(options),
    async *generate(request, signal) {
      const entry: WatchedGeneration = { request, reasons: [], stats: null, ended: false };
      log.push(entry);
      try {
        for await (const event of host.generate(request, signal)) {
          if (event.type === 'done') entry.reasons.push(event.reason);
          else if (event.type === 'stats') entry.stats = event;
          yield event;
        }
      } finally {
        entry.ended = true;
      }
    },
  };
}

export interface ApiReply {
  status: number;
  headers: Headers;
  json: unknown;
}

export async function postJson(stack: OpenAiStack, path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const response = await fetch(`${stack.base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

/** The `data:` payloads of a server-sent event stream, in order. */
export async function readEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length));
      return data.join('\n');
    });
}

/** A request with any Host header (fetch sets it from the URL). */
export function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `kaituhi generate --greedy` itself, in its own process: the text it prints. */
export async function cliGreedy(modelDir: string, prompt: string, maxTokens: number): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'electron/cli/main.ts',
      'generate',
      '--model',
      modelDir,
      '--prompt',
      prompt,
      '--greedy',
      '--max-tokens',
      String(maxTokens),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  // The command ends its streamed text with one newline.
  return stdout.replace(/\n$/, '');
}

export async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 10));
  }
}
