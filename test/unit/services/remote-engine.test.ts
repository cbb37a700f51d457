/**
 * Issue 15, the other direction: the app's engine on a server. `RemoteEngine` against a real `kaituhi serve` (the
 * tiny generated model, real HTTP): it writes what the local engine writes for the same request, candidates, stop
 * rules, alternatives and cancellation included; and against servers that misbehave on purpose (refusing `n`, a
 * window too small, redirecting, echoing the key, slow, silent, going quiet mid-stream), it adapts or says clearly
 * what is wrong, and the key goes nowhere but the server's API.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLER, type Engine, type GenerateRequest, type GenerationEvent } from '../../../electron/engine/types.js';
import {
  RemoteEngine,
  RemoteServerError,
  RemoteUnreachableError,
  RemoteUnsupportedError,
  type RemoteHealth,
} from '../../../electron/services/remote-engine/remote-engine.js';
import { DEFAULT_REMOTE_TIMING, RemoteLink, type RemoteLinkTiming } from '../../../electron/services/remote-engine/remote-link.js';
import { API_KEY, startOpenAiStack, until, type OpenAiStack } from '../server/openai-stack.js';

const PROMPT = 'The harbour lights went out one by one, and the keeper';
let stack: OpenAiStack;
let local: Engine;
let modelId: string;

beforeAll(async () => {
  stack = await startOpenAiStack();
  local = stack.services.engine.engine!;
  modelId = stack.services.engine.state.info!.modelName;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const plain = { ...DEFAULT_SAMPLER, repetitionPenalty: 1 };

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return { context: PROMPT, maxTokens: 20, candidates: 1, sampler: { ...plain, greedy: true }, ...overrides };
}

async function run(engine: Engine, req: GenerateRequest, signal?: AbortSignal) {
  const events: GenerationEvent[] = [];
  for await (const event of engine.generate(req, signal)) events.push(event);
  const done = events.flatMap((event) => (event.type === 'done' ? [event] : [])).sort((a, b) => a.candidate - b.candidate);
  return { events, texts: done.map((event) => event.text), reasons: done.map((event) => event.reason), done };
}

function connect(
  overrides: { url?: string; apiKey?: string; model?: string; answerTimeoutMs?: number; health?: RemoteHealth[] } = {},
): Promise<RemoteEngine> {
  return RemoteEngine.connect({
    url: overrides.url ?? `http://127.0.0.1:${stack.server.port}`,
    apiKey: overrides.apiKey ?? API_KEY,
    model: overrides.model ?? '',
    answerTimeoutMs: overrides.answerTimeoutMs ?? 10_000,
    onHealth: (health) => overrides.health?.push(health),
  });
}

describe('a server engine on kaituhi serve', () => {
  it("says what the server runs: the model, its window, the API's URL", async () => {
    const health: RemoteHealth[] = [];
    const remote = await connect({ health });
    expect(await remote.info()).toEqual({ kind: 'remote', url: stack.base, modelName: modelId, contextWindow: 1024 });
    expect(health).toEqual([{ ok: true, latencyMs: expect.any(Number), model: { id: modelId, contextWindow: 1024 } }]);
    // The /v1 form of the address is the same server.
    expect((await (await connect({ url: `${stack.base}/` })).info()).url).toBe(stack.base);
  });

  it('writes what the local engine writes: greedy, and n seeded candidates, streamed or final texts only', async () => {
    const remote = await connect();
    const greedy = request();
    const expected = await run(local, greedy);
    expect((await run(remote, greedy)).texts).toEqual(expected.texts);
    expect((await run(remote, { ...greedy, stream: false })).texts).toEqual(expected.texts);

    const cards = request({ candidates: 3, maxTokens: 12, sampler: { ...plain, seed: 99 } });
    const localCards = await run(local, cards);
    const remoteCards = await run(remote, cards);
    expect(remoteCards.texts).toEqual(localCards.texts);
    expect(new Set(remoteCards.texts).size).toBe(3);
    const stats = remoteCards.events.find((event) => event.type === 'stats');
    expect(stats).toMatchObject({ generatedTokens: 36, contextWindow: 1024 });
    expect(stats?.type === 'stats' && stats.promptTokens).toBe(await local.countTokens(PROMPT));
    // Streamed token texts add up to each card.
    const streamed = ['', '', ''];
    for (const event of remoteCards.events) if (event.type === 'token') streamed[event.candidate] += event.text;
    expect(streamed).toEqual(remoteCards.texts);
  });

  it("stops where the local engine stops: stop strings, and a sentence's or phrase's end found as the text streams in", async () => {
    const remote = await connect();
    const long = request({ maxTokens: 60 });
    const whole = (await run(local, long)).texts[0]!;
    const stop = whole.slice(20, 23);
    const withStop = request({ maxTokens: 60, stopStrings: [stop] });
    expect((await run(remote, withStop)).texts).toEqual((await run(local, withStop)).texts);
    expect((await run(remote, withStop)).texts[0]).toBe(whole.slice(0, whole.indexOf(stop)));

    let early = 0;
    for (const stopAt of ['phrase', 'sentence', 'paragraph'] as const) {
      for (const seed of [1, 2, 3]) {
        const req = request({ maxTokens: 60, stopAt, sampler: { ...plain, seed } });
        const there = await run(local, req);
        const here = await run(remote, req);
        expect(here.texts, `${stopAt}, seed ${seed}`).toEqual(there.texts);
        expect(here.reasons, `${stopAt}, seed ${seed}`).toEqual(there.reasons);
        if (there.reasons[0] !== 'length') early += 1;
      }
    }
    // Some of these runs did end at a boundary before their length, so the comparison is not between full texts only.
    expect(early).toBeGreaterThan(0);
  });

  it('gives the alternatives the server sends as logprobs, on token events or with the final text', async () => {
    const remote = await connect();
    const req = request({ maxTokens: 8, topAlternatives: 3 });
    const there = (await run(local, req)).events.flatMap((event) =>
      event.type === 'token' && event.alternatives ? [event.alternatives] : [],
    );
    const here = (await run(remote, req)).events.flatMap((event) =>
      event.type === 'token' && event.alternatives ? [event.alternatives] : [],
    );
    expect(here.map((token) => [token.text, token.offset])).toEqual(there.map((token) => [token.text, token.offset]));
    here.forEach((token, i) => {
      expect(token.logprob).toBeCloseTo(there[i]!.logprob, 4);
      expect(token.top.map((alternative) => alternative.text)).toEqual(there[i]!.top.map((alternative) => alternative.text));
    });
    const final = (await run(remote, { ...req, stream: false })).done[0]!;
    expect(final.tokens?.map((token) => token.text)).toEqual(here.map((token) => token.text));
  });

  it('cancels: aborting ends every candidate as aborted and closes the request, which stops the server’s engine', async () => {
    const remote = await connect();
    const before = stack.generations.length;
    const controller = new AbortController();
    const events: GenerationEvent[] = [];
    for await (const event of remote.generate(
      request({ maxTokens: 512, candidates: 4, sampler: { ...plain, seed: 5 } }),
      controller.signal,
    )) {
      events.push(event);
      if (event.type === 'token' && !controller.signal.aborted) controller.abort();
    }
    expect(events.filter((event) => event.type === 'done').map((event) => event.type === 'done' && event.reason)).toEqual(
      Array(4).fill('aborted'),
    );
    const served = stack.generations[before]!;
    await until(() => served.ended);
    expect(served.reasons).toEqual(Array(4).fill('aborted'));
    expect(served.stats!.generatedTokens).toBeLessThan(4 * 512);
  });

  it('sends a long draft’s end that fits the window, and learns from the server’s counts to send more', async () => {
    const remote = await connect();
    const draft = 'The rain came down over the harbour and the boats knocked together in the dark. '.repeat(400);
    const first = await run(remote, request({ context: draft, maxTokens: 8 }));
    const firstStats = first.events.find((event) => event.type === 'stats');
    expect(first.reasons).toEqual(['length']);
    const second = await run(remote, request({ context: draft, maxTokens: 8 }));
    const secondStats = second.events.find((event) => event.type === 'stats');
    if (firstStats?.type !== 'stats' || secondStats?.type !== 'stats') throw new Error('no stats');
    expect(firstStats.promptTokens).toBeGreaterThan(100);
    expect(secondStats.promptTokens).toBeGreaterThan(firstStats.promptTokens);
    // Within the window, with room for the tokens asked for.
    expect(secondStats.promptTokens + 8).toBeLessThanOrEqual(1024);
  });

  it('says plainly what a server engine cannot do: count tokens, show the context inspector', async () => {
    const remote = await connect();
    await expect(remote.countTokens()).rejects.toBeInstanceOf(RemoteUnsupportedError);
    await expect(remote.countTokens()).rejects.toThrow(/not available with a server engine/);
    const before = stack.generations.length;
    const inspecting = remote.inspectContext({ context: PROMPT, maxTokens: 8, memory: 'A lighthouse on a rock.' });
    await expect(inspecting).rejects.toBeInstanceOf(RemoteUnsupportedError);
    await expect(inspecting).rejects.toThrow(
      "The context inspector is not available with a server engine: Kaituhi cannot see the server's tokens. The memory, note and active lore are still sent.",
    );
    // Refused here, without asking the server for anything.
    expect(stack.generations.length).toBe(before);
  });

  it("scores a text through echo with logprobs: the local engine's logprobs, in pieces when the text is long", async () => {
    const remote = await connect();
    const text = ' She lit the lamp at dusk, and the harbour went quiet under the rain.';
    const request = { memory: '', context: 'The storm came in from the west.', text, topAlternatives: 3 };
    const [far, near] = await Promise.all([remote.score(request), local.score(request)]);
    expect(far.tokens.map((token) => token.text)).toEqual(near.tokens.map((token) => token.text));
    expect(far.tokens.map((token) => token.offset)).toEqual(near.tokens.map((token) => token.offset));
    far.tokens.forEach((token, i) => expect(token.logprob, `token ${i}`).toBeCloseTo(near.tokens[i]!.logprob, 3));
    // Ranks are exact within the top three the server sent; beyond, "at least four".
    far.tokens.forEach((token, i) => expect(token.rank).toBe(Math.min(near.tokens[i]!.rank, 4)));
    expect(far.perplexity).toBeCloseTo(near.perplexity!, 2);

    // A text far longer than the window goes in pieces; every character is covered once, in order.
    const long = Array.from({ length: 120 }, (_, i) => ` The keeper counted ${i} ships.`).join('');
    const pieces = await remote.score({ memory: '', context: '', text: long });
    expect(pieces.stats.windows).toBeGreaterThan(1);
    const offsets = pieces.tokens.map((token) => token.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(pieces.tokens.map((token) => token.text).join('')).toBe(long.slice(offsets[0]));
  });

  it('fails clearly on a wrong key, an unknown model, or no server at all', async () => {
    const health: RemoteHealth[] = [];
    await expect(connect({ apiKey: 'wrong-key-0123456789', health })).rejects.toMatchObject({
      status: 401,
      detail: expect.stringMatching(/API key/),
    });
    expect(health).toEqual([{ ok: false, status: 401, detail: expect.stringMatching(/API key/) }]);
    await expect(connect({ model: 'gpt-4' })).rejects.toThrow(/does not serve gpt-4 \(it serves tiny-seed1\)/);
    const closed = await closedPort();
    await expect(connect({ url: `http://127.0.0.1:${closed}` })).rejects.toBeInstanceOf(RemoteUnreachableError);
    await expect(connect({ url: `http://127.0.0.1:${closed}` })).rejects.toThrow(/did not answer: .*ECONNREFUSED/);
  });
});

describe('servers that differ from kaituhi serve', () => {
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await startProxy(stack.server.port);
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it('one that takes one choice per request (llama.cpp’s server) gets one request per card, same texts', async () => {
    proxy.rules = { oneChoice: true };
    proxy.seen.length = 0;
    const remote = await connect({ url: proxy.url });
    const cards = request({ candidates: 3, maxTokens: 10, sampler: { ...plain, seed: 11 } });
    const texts = (await run(remote, cards)).texts;
    expect(texts).toHaveLength(3);
    expect(texts.every((text) => text.length > 0)).toBe(true);
    // Each card is one request of its own with its own seed: as the local engine writes it alone.
    for (let i = 0; i < 3; i++) {
      const alone = await run(local, request({ maxTokens: 10, sampler: { ...plain, seed: 11 + i } }));
      expect(texts[i]).toBe(alone.texts[0]);
    }
    const asked = proxy.seen.filter((seen) => seen.path.endsWith('/completions'));
    expect(asked.map((seen) => seen.n)).toEqual([3, 1, 1, 1]);
    // Learnt: the next request asks one by one from the start.
    proxy.seen.length = 0;
    await run(remote, cards);
    expect(proxy.seen.filter((seen) => seen.path.endsWith('/completions')).map((seen) => seen.n)).toEqual([1, 1, 1]);
  });

  it('one whose window is smaller than it says gets half the prompt once more', async () => {
    proxy.rules = { maxPromptChars: 300 };
    proxy.seen.length = 0;
    const remote = await connect({ url: proxy.url });
    const draft = 'A long evening by the water, and nobody came to the door. '.repeat(40);
    const result = await run(remote, request({ context: draft, maxTokens: 8 }));
    expect(result.reasons).toEqual(['length']);
    const prompts = proxy.seen.filter((seen) => seen.path.endsWith('/completions')).map((seen) => seen.promptChars);
    expect(prompts[0]).toBeGreaterThan(300);
    expect(prompts.at(-1)).toBeLessThanOrEqual(300);
  });

  it('one that ignores echo (llama.cpp, KoboldCpp): scoring is refused in a sentence, not misread', async () => {
    proxy.rules = { ignoreEcho: true };
    const remote = await connect({ url: proxy.url });
    const scoring = remote.score({ memory: '', context: '', text: 'It was late, and the lamp was out.' });
    await expect(scoring).rejects.toBeInstanceOf(RemoteUnsupportedError);
    await expect(remote.score({ memory: '', context: '', text: 'x y' })).rejects.toThrow(/echo with logprobs.*this server does not/);
  });

  it('one that redirects: not followed, so the key and the text never reach the other address', async () => {
    const elsewhere = await startProxy(stack.server.port);
    try {
      proxy.rules = { redirectTo: elsewhere.url };
      const error = await connect({ url: proxy.url }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RemoteServerError);
      expect((error as Error).message).toMatch(/redirects elsewhere.*does not follow redirects/);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await new Promise((resolve) => elsewhere.server.close(resolve));
    }
  });

  it('one that repeats the key in its error: the key is masked before anything shows or logs it', async () => {
    proxy.rules = { echoKey: true };
    const health: RemoteHealth[] = [];
    const error = await connect({ url: proxy.url, health }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteServerError);
    expect((error as Error).message).toContain('•••');
    expect((error as Error).message).not.toContain(API_KEY);
    expect(JSON.stringify(health)).not.toContain(API_KEY);
  });
});

describe('servers that are slow or silent', () => {
  let proxy: Proxy;
  /** The app's timing, shortened so that a test waits fractions of a second for what the app waits seconds for. */
  const timing: RemoteLinkTiming = { ...DEFAULT_REMOTE_TIMING, checkEveryMs: 60_000, retryEveryMs: 100, slowMs: 200, answerTimeoutMs: 600 };
  const links: RemoteLink[] = [];
  const link = () => {
    const made = new RemoteLink({ url: proxy.url, apiKey: API_KEY, model: '' }, () => undefined, timing);
    links.push(made);
    return made;
  };
  beforeAll(async () => {
    proxy = await startProxy(stack.server.port);
  });
  afterAll(async () => {
    await Promise.all(links.map((made) => made.close()));
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it('one slower than slowMs to answer: the link says the server is slow, and stops saying so once it is quick', async () => {
    proxy.rules = { delayMs: timing.slowMs + 200 };
    const slow = link();
    await slow.start();
    expect(slow.state).toMatchObject({ status: 'ready', remote: { problem: 'slow', model: modelId, detail: null } });
    expect(slow.state.remote.latencyMs).toBeGreaterThan(timing.slowMs);
    expect(slow.state.message).toMatch(/is slow: \d+ ms to answer/);

    proxy.rules = {};
    slow.reconnect();
    await until(() => slow.state.remote.problem === null);
    expect(slow.state).toMatchObject({ status: 'ready', message: null });

    // A generation whose first words come late says so too, and still writes them.
    proxy.rules = { delayMs: timing.slowMs + 200 };
    const written = await run(slow.engine!, request({ maxTokens: 4 }));
    expect(written.reasons).toEqual(['length']);
    expect(slow.state.remote).toMatchObject({ problem: 'slow' });
    expect(slow.state.status).toBe('ready');
  });

  it('one that never answers: no answer within answerTimeoutMs, the link calls it down, and it comes back by itself', async () => {
    proxy.rules = { neverAnswers: true };
    const health: RemoteHealth[] = [];
    const waiting = connect({ url: proxy.url, answerTimeoutMs: timing.answerTimeoutMs, health });
    await expect(waiting).rejects.toBeInstanceOf(RemoteUnreachableError);
    await expect(waiting).rejects.toThrow(`did not answer: no answer within ${timing.answerTimeoutMs} ms`);
    expect(health).toEqual([{ ok: false, status: null, detail: `no answer within ${timing.answerTimeoutMs} ms` }]);

    const silent = link();
    await silent.start();
    expect(silent.state).toMatchObject({
      status: 'failed',
      remote: { problem: 'unreachable', detail: `no answer within ${timing.answerTimeoutMs} ms` },
    });
    expect(silent.state.message).toContain(`is not answering (no answer within ${timing.answerTimeoutMs} ms). The editor works as usual`);
    expect(silent.engine).toBeNull();

    proxy.rules = {};
    await until(() => silent.state.status === 'ready');
    expect(silent.state.remote).toMatchObject({ problem: null, detail: null });
  });

  it('one that streams slowly but steadily, longer in all than answerTimeoutMs: nothing cuts it off', async () => {
    proxy.rules = { dripEveryMs: timing.answerTimeoutMs / 4 };
    const remote = await connect({ url: proxy.url, answerTimeoutMs: timing.answerTimeoutMs });
    const written = await run(remote, request({ maxTokens: DRIP_WORDS.length }));
    expect(written.texts).toEqual([DRIP_WORDS.join('')]);
    expect(written.reasons).toEqual(['length']);
  });

  it('one that goes quiet in the middle of a stream: the watchdog ends the generation with its words', async () => {
    proxy.rules = { quietAfterFirstChunk: true };
    const health: RemoteHealth[] = [];
    const remote = await connect({ url: proxy.url, answerTimeoutMs: timing.answerTimeoutMs, health });
    const events: GenerationEvent[] = [];
    const error = await (async () => {
      for await (const event of remote.generate(request({ maxTokens: 8 }))) events.push(event);
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect((error as Error).message).toBe(`The server at ${proxy.url} did not answer: it went quiet for ${timing.answerTimeoutMs} ms`);
    // What came before the silence was passed on.
    expect(events.flatMap((event) => (event.type === 'token' ? [event.text] : [])).join('')).toBe(QUIET_FIRST_WORDS);
    expect(health.at(-1)).toEqual({ ok: false, status: null, detail: `it went quiet for ${timing.answerTimeoutMs} ms` });
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ProxyRules {
  oneChoice?: boolean;
  maxPromptChars?: number;
  redirectTo?: string;
  echoKey?: boolean;
  /** Answers as if `echo` were not there: the one generated token and its logprobs alone. */
  ignoreEcho?: boolean;
  /** Waits this long before passing a request on: a slow server. */
  delayMs?: number;
  /** Reads the request and never answers (no status, no headers). */
  neverAnswers?: boolean;
  /** Answers a completion with its headers and one chunk (QUIET_FIRST_WORDS), then nothing more, the connection open. */
  quietAfterFirstChunk?: boolean;
  /** Streams a completion as DRIP_WORDS, one piece every this many ms. */
  dripEveryMs?: number;
}

const QUIET_FIRST_WORDS = ' Once upon';
const DRIP_WORDS = [' The', ' tide', ' came', ' in', ' slowly'];

interface Proxy {
  server: Server;
  url: string;
  rules: ProxyRules;
  seen: Array<{ path: string; n: number; promptChars: number; authorization: string | undefined }>;
}

/**
 * A server in front of the real `kaituhi serve` that behaves as other servers do: llama.cpp's one choice per
 * request, a window smaller than the model list says, a redirect, an error that repeats the request's key, a server
 * that is slow, that never answers, or that goes quiet in the middle of a stream.
 */
async function startProxy(targetPort: number): Promise<Proxy> {
  const proxy: Proxy = { server: createServer(), url: '', rules: {}, seen: [] };
  proxy.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = body ? (JSON.parse(body) as { n?: number; prompt?: string; echo?: boolean }) : {};
      proxy.seen.push({
        path: req.url ?? '',
        n: parsed.n ?? 1,
        promptChars: parsed.prompt?.length ?? 0,
        authorization: req.headers.authorization,
      });
      const { rules } = proxy;
      const refuse = (status: number, message: string) =>
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: status, message, type: 'invalid_request_error' } }));
      if (rules.neverAnswers) return;
      if (rules.delayMs) await new Promise((wake) => setTimeout(wake, rules.delayMs));
      if (rules.redirectTo) return void res.writeHead(307, { location: `${rules.redirectTo}${req.url ?? ''}` }).end();
      if (rules.echoKey) return refuse(400, `unexpected header: ${req.headers.authorization ?? ''}`);
      if (req.url?.endsWith('/completions')) {
        if (rules.ignoreEcho && parsed.echo) {
          const logprobs = { tokens: [' the'], token_logprobs: [-2.5], top_logprobs: [{ ' the': -2.5 }], text_offset: [0] };
          const answer = {
            choices: [{ text: ' the', index: 0, logprobs, finish_reason: 'length' }],
            usage: { prompt_tokens: 9, completion_tokens: 1 },
          };
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        }
        if (rules.dripEveryMs !== undefined) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const [i, text] of DRIP_WORDS.entries()) {
            await new Promise((wake) => setTimeout(wake, rules.dripEveryMs));
            const finish = i === DRIP_WORDS.length - 1 ? 'length' : null;
            res.write(`data: ${JSON.stringify({ choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] })}\n\n`);
          }
          return void res.end('data: [DONE]\n\n');
        }
        if (rules.quietAfterFirstChunk) {
          const chunk = { choices: [{ text: QUIET_FIRST_WORDS, index: 0, logprobs: null, finish_reason: null }] };
          return void res.writeHead(200, { 'content-type': 'text/event-stream' }).write(`data: ${JSON.stringify(chunk)}\n\n`);
        }
        if (rules.oneChoice && (parsed.n ?? 1) !== 1) return refuse(400, 'Only one completion choice is allowed');
        if (rules.maxPromptChars !== undefined && (parsed.prompt?.length ?? 0) > rules.maxPromptChars) {
          return refuse(400, 'the request exceeds the available context size, try increasing it');
        }
      }
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: targetPort,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: `127.0.0.1:${targetPort}` },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}/v1`;
  return proxy;
}
