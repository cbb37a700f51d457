/**
 * The server fuzzer (issue 9, "prove it as a whole"): a real `kaituhi serve` on 127.0.0.1, with a real
 * drafts library and the tiny generated model, takes tens of thousands of malformed and hostile HTTP
 * requests (raw bytes over node:net), WebSocket messages and broken WebSocket frames. Every answer is
 * checked against what that input is owed. Afterwards the server still answers a normal request and runs
 * a generation, its memory is back near where it started, and not one byte of the library, the settings
 * or the model store has changed.
 *
 * Inputs come from fast-check with a fixed seed, so a failure reproduces; KAITUHI_FUZZ_SEED tries others.
 * Only loopback traffic: HF_ENDPOINT points at a closed port on 127.0.0.1 for the whole file.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve, type ServeHandle } from '../../../electron/cli/commands/serve.js';
import type { ServerMessage } from '../../../electron/shared/api.js';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';
import { testModel } from '../../support/fixtures.js';
import { apiCases, httpCases, oversizedCases, rawFrameCases, wsCases, type ApiCase, type HttpCase, type WsCase } from './fuzz-inputs.js';
import { clientFrame, closeCode, openRawWebSocket } from './raw-websocket.js';

const SEED = Number(process.env.KAITUHI_FUZZ_SEED ?? 90_210);
const COUNTS = { http: 12_000, ws: 10_000, frames: 400, api: 3_000 } as const;
const API_KEY = 'fuzz-api-key-0123456789';
const CORS_ORIGIN = 'http://localhost:5173';
const SECRET = 'not part of the renderer: never served';
/** Each part takes well under this on a quiet machine; the margin is for a machine shared with other work. */
const TEST_TIMEOUT_MS = 180_000;

let home: string;
let handle: ServeHandle;
let before: Map<string, string>;
let baseline: NodeJS.MemoryUsage;
let cpuAtStart: NodeJS.CpuUsage;
let realDraftIds: string[];
const previousEndpoint = process.env.HF_ENDPOINT;

/** A real `gc()`: memory is compared after collecting, not with whatever garbage happens to be around. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** Every file under `root` by its path, as a SHA-256 of its bytes. */
async function hashTree(root: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else
        hashes.set(
          relative(root, path),
          createHash('sha256')
            .update(await readFile(path))
            .digest('hex'),
        );
    }
  };
  await walk(root);
  return hashes;
}

/** Ids of the messages that are owed a reply: a range of their own, so that the replies can be matched. */
const FIRST_TRACKED_ID = 1_000_000_000;
let lastId = FIRST_TRACKED_ID;
const nextId = (): number => ++lastId;

function openApi(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${handle.server.port}/api?token=${handle.server.token}`, { headers: { origin: origin() } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Keeps the replies to tracked messages; a success for any other message is a problem in itself. */
function collectReplies(ws: WebSocket, replies: Map<number, ServerMessage>, problems: string[]): void {
  ws.on('message', (data: WebSocket.RawData) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    if (message.type !== 'result' && message.type !== 'generation-end') return;
    if (message.id > FIRST_TRACKED_ID) replies.set(message.id, message);
    else if (!isRefusal(message)) problems.push(`a success for a message sent without a tracked id: ${message.id}`);
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 10));
  }
}

/** Runs `work` over `items`, `width` at a time. */
async function inPool<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

function isRefusal(reply: ServerMessage): boolean {
  return reply.type === 'result' ? !reply.ok : reply.type === 'generation-end' && reply.error !== null;
}

function origin(): string {
  return `http://127.0.0.1:${handle.server.port}`;
}

beforeAll(async () => {
  process.env.HF_ENDPOINT = 'http://127.0.0.1:1';
  home = await mkdtemp(join(tmpdir(), 'kaituhi-fuzz-'));
  const renderer = join(home, 'renderer');
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Kaituhi</title>');
  await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(home, 'secret.txt'), SECRET);
  await mkdir(join(home, 'imports', 'some-model'), { recursive: true });
  handle = await serve({
    port: 0,
    modelDir: await testModel('tiny-seed1'),
    settingsFile: join(home, 'settings.json'),
    rendererDir: renderer,
    libraryDir: join(home, 'Drafts'),
    modelsDir: join(home, 'models'),
    importRoot: join(home, 'imports'),
    apiKey: API_KEY,
    corsOrigins: [CORS_ORIGIN],
  });
  await handle.modelSettled;
  expect(handle.services.engine.state.status).toBe('ready');
  // A settings file on disk, so that the comparison afterwards covers it too.
  await handle.services.saveSettings(handle.services.settings.state.settings);

  const library = handle.services.drafts.library;
  const harbour = await library.catalog.create('The Harbour', '# One\n\nThe boats came in at dusk. **She** counted them.\n');
  const night = await library.catalog.create('夜の海', '夜の海は静かだった。\n\n灯台の光が回る。');
  const island = await library.catalog.create('Остров', 'Остров был пуст.');
  const gone = await library.catalog.create('Gone', 'Trashed before the run.');
  await library.versions.snapshot(harbour.id, 'first');
  await library.buffers.close(harbour.id);
  await library.trash.trash(gone.id);
  realDraftIds = [harbour.id, night.id, island.id];

  // The largest messages once before the baseline: the process pays for its peak here, so what is compared
  // afterwards is what the fuzz left behind, not the allocator keeping pages it once needed.
  const warmUp = await openApi();
  const warmReplies = new Map<number, ServerMessage>();
  collectReplies(warmUp, warmReplies, []);
  const largest = oversizedCases(realDraftIds[0]!, nextId);
  for (const input of largest) warmUp.send(input.frame);
  await until(() => warmReplies.size === largest.length, 60_000);
  warmUp.close();

  before = await hashTree(home);
  collectGarbage();
  baseline = process.memoryUsage();
  cpuAtStart = process.cpuUsage();
});

afterAll(async () => {
  await handle?.stop();
  await rm(home, { recursive: true, force: true });
  if (previousEndpoint === undefined) delete process.env.HF_ENDPOINT;
  else process.env.HF_ENDPOINT = previousEndpoint;
});

/**
 * Sends raw bytes and collects the answer. A complete answer ends the exchange. Otherwise, once nothing
 * has arrived for a moment (no answer yet, or a keep-alive answer whose end cannot be told, as after a
 * HEAD), the client half-closes, and the server must then close within 5 s. (Half-closing at once would
 * abort even complete requests: node:http drops a request whose client has ended.)
 */
function exchange(bytes: Buffer, quietMs = 100, timeoutMs = 5000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: handle.server.port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    let quiet = setTimeout(() => socket.end(), quietMs);
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isCompleteResponse(Buffer.concat(chunks).toString('latin1'))) finish(true);
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.end(), quietMs);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(bytes);
  });
}

/** A whole response: its head, and its body as Content-Length or chunked encoding says (none for a 101). */
function isCompleteResponse(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const head = text.slice(0, headEnd);
  const body = text.slice(headEnd + 4);
  if (/^HTTP\/1\.[01] (101|204|304)/.test(head)) return true;
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) return body.startsWith('0\r\n\r\n') || body.includes('\r\n0\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  return length !== null && body.length >= Number(length[1]);
}

/** What is wrong with the server's answer to one HTTP case, if anything. */
function httpProblem(input: HttpCase, answer: { text: string; closed: boolean }): string | null {
  if (!answer.closed) return 'the server neither answered nor closed within 5 s';
  const statuses = [...answer.text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
  if (statuses.some((status) => status >= 500 && status !== 503)) return `status ${statuses.join(',')}`;
  if (/(?:^|\r\n)set-cookie:/i.test(answer.text)) return 'a Set-Cookie header';
  if (answer.text.includes(SECRET)) return 'a file outside the renderer';
  if (statuses.includes(101) && !input.carriesToken) return 'a WebSocket without the token';
  return null;
}

/** What is wrong with the API's answer to one case, if anything. */
function apiProblem(input: ApiCase, answer: { text: string; closed: boolean }, status: number): string | null {
  if (!answer.closed) return 'the server neither answered nor closed in time';
  if (status === 0) return 'no answer';
  if (status >= 500 && status !== 503) return `status ${status}`;
  const headEnd = answer.text.indexOf('\r\n\r\n');
  const head = answer.text.slice(0, headEnd);
  // Chunk sizes count bytes: the body is taken apart as bytes (latin1), then read as UTF-8.
  const raw = answer.text.slice(headEnd + 4);
  const body = Buffer.from(/\r\ntransfer-encoding: *chunked/i.test(head) ? chunkedBody(raw) : raw, 'latin1').toString('utf8');
  if (/\r\nset-cookie:/i.test(head)) return 'a Set-Cookie header';
  const allowOrigin = /\r\naccess-control-allow-origin: *([^\r]*)/i.exec(head)?.[1];
  if (allowOrigin !== undefined && (allowOrigin !== CORS_ORIGIN || input.origin?.toLowerCase() !== CORS_ORIGIN))
    return `CORS for ${allowOrigin}`;
  const preflight = input.bytes.subarray(0, 8).toString('latin1').startsWith('OPTIONS');
  if (status === 204) return preflight && input.origin?.toLowerCase() === CORS_ORIGIN ? null : 'a 204 that is not an allowed preflight';
  if (status >= 200 && status < 300) {
    if (!input.admitted) return `a ${status} without the key, a loopback Host and an allowed Origin`;
    if (/\r\ncontent-type: *text\/event-stream/i.test(head) && !body.trimEnd().endsWith('data: [DONE]')) return 'a stream without [DONE]';
    return null;
  }
  // Every refusal is OpenAI's error object (a HEAD has no body to carry it).
  if (head.startsWith('HEAD') || input.bytes.toString('latin1').startsWith('HEAD')) return null;
  try {
    const { error } = JSON.parse(body) as {
      error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown };
    };
    if (typeof error?.message !== 'string' || typeof error.type !== 'string' || !('param' in error) || !('code' in error))
      return `a ${status} that is not OpenAI's error shape`;
  } catch {
    return `a ${status} whose body is not JSON`;
  }
  return null;
}

/** The payload of a chunked body (as latin1 text, one character a byte), joined. */
function chunkedBody(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return out;
    const size = parseInt(body.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

describe(`server fuzz (seed ${SEED})`, () => {
  it(
    `answers ${COUNTS.http} malformed HTTP requests (raw bytes) without a crash, a 500, a cookie, a stray file or an unauthorised upgrade`,
    async () => {
      const target = { port: handle.server.port, token: handle.server.token };
      const cases = fc.sample(httpCases(target), { numRuns: COUNTS.http, seed: SEED });
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      await inPool(cases, 32, async (input, index) => {
        const answer = await exchange(input.bytes);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer.text)?.[1] ?? 0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const problem = httpProblem(input, answer);
        if (problem && problems.length < 5)
          problems.push(`#${index} ${problem}: ${JSON.stringify(input.bytes.toString('latin1').slice(0, 300))}`);
      });
      console.log(`http fuzz: ${cases.length} requests, answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
      expect(problems, problems.join('\n')).toEqual([]);
      // The run reached every layer: the parser's refusals, the Host check, the static files, the token, the upgrade.
      for (const status of [101, 200, 400, 401, 403, 404, 421])
        expect(statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `answers ${COUNTS.api} hostile completions API requests in OpenAI's error shape, serving only those with the key`,
    async () => {
      const target = { port: handle.server.port, token: handle.server.token, apiKey: API_KEY, corsOrigin: CORS_ORIGIN };
      const cases = fc.sample(apiCases(target), { numRuns: COUNTS.api, seed: SEED });
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      // Fewer at once than the API has places, so that the requests let in reach the engine rather than a 429.
      await inPool(cases, 4, async (input, index) => {
        // Connection: close ends every answer; a request may wait its turn in the queue, so no early half-close.
        const answer = await exchange(input.bytes, 60_000, 60_000);
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer.text)?.[1] ?? 0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const problem = apiProblem(input, answer, status);
        if (problem && problems.length < 5)
          problems.push(`#${index} ${problem}: ${JSON.stringify(input.bytes.toString('utf8').slice(0, 900))}`);
      });
      console.log(`api fuzz: ${cases.length} requests, answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
      expect(problems, problems.join('\n')).toEqual([]);
      // Every door was reached: served, preflights, bad requests, the key, the Origin, paths, methods, the Host.
      for (const status of [200, 204, 400, 401, 403, 404, 405, 421])
        expect(statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `answers ${COUNTS.ws} hostile WebSocket messages as each is owed, and keeps every connection open`,
    async () => {
      const context = { realDraftIds, settings: handle.services.settings.state.settings, nextId };
      const oversized = oversizedCases(realDraftIds[0]!, nextId);
      const cases: WsCase[] = [...fc.sample(wsCases(context), { numRuns: COUNTS.ws - oversized.length, seed: SEED }), ...oversized];
      const sockets = await Promise.all(Array.from({ length: 4 }, () => openApi()));
      const replies = new Map<number, ServerMessage>();
      const strayProblems: string[] = [];
      for (const ws of sockets) collectReplies(ws, replies, strayProblems);

      const problems: string[] = [];
      const batch = 200;
      try {
        for (let start = 0; start < cases.length; start += batch) {
          const slice = cases.slice(start, start + batch);
          slice.forEach((input, i) => sockets[(start + i) % sockets.length]!.send(input.frame));
          const waiting = slice.filter((input) => input.id !== null);
          await expect.poll(() => waiting.every((input) => replies.has(input.id!)), { timeout: 30_000, interval: 5 }).toBe(true);
          for (const input of waiting) {
            const reply = replies.get(input.id!)!;
            if (input.owed === 'refusal' && !isRefusal(reply) && problems.length < 5)
              problems.push(`accepted: ${input.frame.slice(0, 300)}`);
          }
        }
        expect(sockets.map((ws) => ws.readyState)).toEqual(sockets.map(() => WebSocket.OPEN));
      } finally {
        for (const ws of sockets) ws.close();
      }
      const counts = { messages: cases.length, answered: replies.size, refused: [...replies.values()].filter(isRefusal).length };
      console.log(`websocket fuzz: ${JSON.stringify(counts)}`);
      expect(problems, problems.join('\n')).toEqual([]);
      expect(strayProblems).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `closes ${COUNTS.frames} connections that send broken WebSocket frames, cleanly`,
    async () => {
      const cases = fc.sample(rawFrameCases, { numRuns: COUNTS.frames, seed: SEED });
      const problems: string[] = [];
      const codes = new Map<number, number>();
      await inPool(cases, 16, async (frame, index) => {
        const raw = await openRawWebSocket(handle.server.port, handle.server.token);
        raw.socket.end(
          clientFrame({
            opcode: frame.opcode,
            fin: frame.fin,
            reservedBits: frame.reservedBits,
            masked: frame.masked,
            payload: frame.payload,
            ...(frame.lie === null ? {} : { announcedLength: frame.lie }),
          }),
        );
        const ended = await Promise.race([
          raw.ended.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
        ]);
        const code = closeCode(raw.received()) ?? 0;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (!ended) problems.push(`#${index} not closed: ${JSON.stringify(frame)}`);
        else if (code === 1011) problems.push(`#${index} internal error: ${JSON.stringify(frame)}`);
        raw.socket.destroy();
      });
      expect(problems).toEqual([]);
      console.log(`frame fuzz: ${cases.length} connections, close codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'afterwards serves a normal page, generation and completion, holds no connection, is back near its memory, and changed nothing on disk',
    async () => {
      const page = await exchange(Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${handle.server.port}\r\nConnection: close\r\n\r\n`));
      expect(page.text).toMatch(/^HTTP\/1\.1 200/);
      const ws = new WebSocket(`ws://127.0.0.1:${handle.server.port}/api?token=${handle.server.token}`, { headers: { origin: origin() } });
      const ended = new Promise<ServerMessage>((resolve, reject) => {
        ws.on('message', (data: WebSocket.RawData) => {
          const message = JSON.parse(data.toString()) as ServerMessage;
          if (message.type === 'generation-end' && message.id === 1) resolve(message);
        });
        ws.once('error', reject);
      });
      ws.once('open', () =>
        ws.send(
          JSON.stringify({
            type: 'generate',
            id: 1,
            request: { context: 'The harbour', maxTokens: 4, candidates: 1, sampler: DEFAULT_SAMPLER },
          }),
        ),
      );
      expect(await ended).toMatchObject({ error: null });
      ws.close();
      const completion = await fetch(`http://127.0.0.1:${handle.server.port}/v1/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ prompt: 'The harbour', max_tokens: 4 }),
      });
      expect(completion.status).toBe(200);
      expect(((await completion.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(4);
      await expect.poll(() => handle.server.connections(), { timeout: 15_000 }).toBe(0);
      expect(handle.services.engine.state.status).toBe('ready');

      const cpu = process.cpuUsage(cpuAtStart);
      console.log(
        `fuzz total: ${COUNTS.http + COUNTS.ws + COUNTS.frames} inputs; this process spent ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU on them (server and client)`,
      );
      collectGarbage();
      const after = process.memoryUsage();
      const mib = (key: 'heapUsed' | 'external' | 'rss') => (after[key] - baseline[key]) / 2 ** 20;
      const grew = { heap: mib('heapUsed'), buffers: mib('external'), rss: mib('rss') };
      console.log(
        `memory after the fuzz, MiB more than before: ${JSON.stringify(grew, (_key, value: unknown) => (typeof value === 'number' ? Number(value.toFixed(1)) : value))}`,
      );
      // What the fuzz could leave behind (state per connection or request) is held tightly on the heap; the
      // resident size only loosely, because the allocator keeps pages it has once used for 22 000 sockets.
      // `external` counts this whole process, the fuzzing client's sockets and inputs included, and native memory
      // that is released only when the server stops (all of it is: measured 138 MiB less than here after stop).
      // It measured 53–84 MiB over 25 400 inputs; a real serve driven alone with 4 000 completions requests of each
      // kind (refused, broken JSON, served) stays flat, so the spread is this client's. A leak of whole requests or
      // bodies would be far above the bound.
      expect(grew.heap).toBeLessThan(64);
      expect(grew.buffers).toBeLessThan(128);
      expect(grew.rss).toBeLessThan(512);

      expect(Object.fromEntries(await hashTree(home))).toEqual(Object.fromEntries(before));
    },
    TEST_TIMEOUT_MS,
  );
});
