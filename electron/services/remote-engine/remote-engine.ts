/**
 * An `Engine` that runs on a server speaking OpenAI's completions API (llama.cpp's server, vLLM, TGI, KoboldCpp,
 * another `kaituhi serve`), through the `fetch` built into Node. Ghost text, candidates (`n`), cards, stop at a
 * sentence (the engine's own StopDetector, on the text as it streams in) and cancellation (the HTTP request is
 * aborted) work as with the local engine; alternatives come from the server's `logprobs` when it sends them.
 *
 * The key goes in the Authorization header to this server's API and nowhere else: redirects are refused, not
 * followed, and any error text that would repeat the key has it masked.
 *
 * Why one file of ~550 lines: it is one class whose request path (fetch, watchdog, stream, error masking) shares the
 * open requests, the learnt server limits and the key; the wire format, the prompt, the SSE reader and the link
 * already live beside it (completions-wire.ts, remote-prompt.ts, sse-reader.ts, remote-link.ts).
 */
import { GENERATION_LIMITS, type GenerateRequest, type PrefillRequest, type ScoreRequest } from '../../common/generation.js';
import { errorMessage } from '../../common/error-message.js';
import {
  NO_LORE_STATE,
  StopDetector,
  type Engine,
  type GenerationEvent,
  type GenerationStats,
  type PrefillResult,
  type RemoteEngineInfo,
  type ContextView,
  type LoreState,
  type ScoreResult,
  type StopReason,
} from '../../engine/index.js';
import {
  apiBase,
  completionBody,
  completionChunkSchema,
  echoAnswerSchema,
  errorWords,
  listedModels,
  modelListSchema,
  type ChunkLogprobs,
  type ListedModel,
} from './completions-wire.js';
import { sseData } from './sse-reader.js';
import { scoreByEcho, type EchoScoring } from './remote-score.js';
import { ASSUMED_CONTEXT_WINDOW, PromptSizer, remotePrompt, storyForServer } from './remote-prompt.js';

type TokenAlternatives = NonNullable<Extract<GenerationEvent, { type: 'token' }>['alternatives']>;

export interface RemoteEngineOptions {
  /** The server as the writer gave it: http://host:port or its /v1 URL. */
  readonly url: string;
  /** '' for none. */
  readonly apiKey: string;
  /** '' for the first model the server lists. */
  readonly model: string;
  /**
   * How long a server may take to start answering (headers, then each piece) before it counts as down;
   * DEFAULT_ANSWER_TIMEOUT_MS when left out.
   */
  readonly answerTimeoutMs?: number;
  /** Told after every exchange how the server did. */
  readonly onHealth?: (health: RemoteHealth) => void;
}

export type RemoteHealth =
  /** An answer: the time to the first token of a generation, or to a model list; and the model in use. */
  | { readonly ok: true; readonly latencyMs: number; readonly model: ListedModel }
  /** No answer (`status` null), or an error status with the server's own words. */
  | { readonly ok: false; readonly status: number | null; readonly detail: string };

/** What a server engine cannot do: said plainly instead of failing in a way that looks like a bug. */
export class RemoteUnsupportedError extends Error {
  override readonly name = 'RemoteUnsupportedError';
}

/** The server answered, but with an error status (or an answer of the wrong shape); `detail` is its own words. */
export class RemoteServerError extends Error {
  override readonly name = 'RemoteServerError';
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`The server answered ${status}: ${detail}`);
  }
}

/** The server did not answer at all (refused connection, unknown host, timeout); `detail` says how. */
export class RemoteUnreachableError extends Error {
  override readonly name = 'RemoteUnreachableError';
  constructor(
    readonly detail: string,
    url: string,
  ) {
    super(`The server at ${url} did not answer: ${detail}`);
  }
}

/** How long a server may take to start answering, or go quiet in a stream, before it counts as down. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
const MAX_LIST_BYTES = 1 << 20;
const MAX_ERROR_BYTES = 16_384;
/** An echoed prompt's logprobs: a few thousand tokens, each with its top five. */
const MAX_ECHO_BYTES = 8 << 20;

/** Words servers use when a prompt is longer than their model's window. */
const CONTEXT_TOO_LONG = /context|too long|maximum.*length|exceeds/i;
/** Words servers use when they allow one choice per request (llama.cpp's server: "Only one completion choice is allowed"). */
const ONE_CHOICE_ONLY = /\bn\b|choice/i;

export class RemoteEngine implements Engine {
  readonly #options: RemoteEngineOptions;
  readonly #base: string;
  readonly #sizer = new PromptSizer();
  /** The lore activation of the last request, so that an entry stays on a while as it does locally. */
  #loreState: LoreState = NO_LORE_STATE;
  readonly #open = new Set<AbortController>();
  #model: ListedModel;
  /** Learnt from the server's refusal of `n` > 1: candidates are then asked for one request each. */
  #oneChoicePerRequest = false;

  private constructor(options: RemoteEngineOptions) {
    this.#options = options;
    this.#base = apiBase(options.url);
    this.#model = { id: options.model, contextWindow: null };
  }

  /** Asks the server which models it serves and picks the one the settings name (or the first). */
  static async connect(options: RemoteEngineOptions): Promise<RemoteEngine> {
    const engine = new RemoteEngine(options);
    await engine.check();
    return engine;
  }

  /** The API's base URL. */
  get url(): string {
    return this.#base;
  }

  /** `GET /models`: is the server there, what does it serve, how long does it take. Throws on any problem. */
  async check(signal?: AbortSignal): Promise<ListedModel> {
    return this.#reported(async () => {
      const started = performance.now();
      const response = await this.#fetch('/models', { method: 'GET' }, signal);
      const text = await boundedText(response, MAX_LIST_BYTES);
      let listed: ListedModel[];
      try {
        const parsed = modelListSchema.safeParse(JSON.parse(text));
        if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'unexpected shape');
        listed = listedModels(parsed.data);
      } catch (error) {
        throw this.#serverError(502, `its model list is not the completions API's (${errorMessage(error)})`);
      }
      const wanted = this.#options.model;
      const model = wanted ? listed.find((candidate) => candidate.id === wanted) : listed[0];
      if (!model) {
        const offered = listed
          .map((candidate) => candidate.id)
          .slice(0, 5)
          .join(', ');
        throw this.#serverError(404, wanted ? `it does not serve ${wanted} (it serves ${offered || 'nothing'})` : 'it serves no model');
      }
      this.#model = model;
      this.#options.onHealth?.({ ok: true, latencyMs: performance.now() - started, model });
      return model;
    });
  }

  async info(): Promise<RemoteEngineInfo> {
    return { kind: 'remote', url: this.#base, modelName: this.#model.id, contextWindow: this.#model.contextWindow };
  }

  async countTokens(): Promise<number> {
    throw new RemoteUnsupportedError('Counting tokens is not available with a server engine: the completions API has no tokenizer.');
  }

  /**
   * Scoring needs every token's logprob given the text before it: the completions API gives that with echo and
   * logprobs together (vLLM, `kaituhi serve`); a server that does not (llama.cpp, KoboldCpp) is told apart by its
   * answer and refused with a sentence.
   */
  async score(request: ScoreRequest, signal?: AbortSignal): Promise<ScoreResult> {
    const scoring: EchoScoring = {
      model: this.#model.id || null,
      budgetChars: this.#sizer.budget(this.#model.contextWindow, 1),
      complete: async (body, abort) => {
        const response = await this.#fetch('/completions', { method: 'POST', body: JSON.stringify(body) }, abort);
        const parsed = echoAnswerSchema.safeParse(JSON.parse(await boundedText(response, MAX_ECHO_BYTES)));
        if (!parsed.success)
          throw this.#serverError(response.status, 'its answer to an echo with logprobs does not have the expected shape');
        return parsed.data;
      },
    };
    const scored = await this.#reported(() => scoreByEcho(scoring, request, signal));
    if (scored) return scored;
    throw new RemoteUnsupportedError(
      "Scoring a text (surprise highlighting) needs the server to give the prompt's own logprobs (echo with logprobs), and this server does not; vLLM and kaituhi serve do, or use a local model.",
    );
  }

  /** The inspector shows the local engine's window in tokens; a server's tokenizer is out of reach. */
  async inspectContext(request: PrefillRequest): Promise<ContextView> {
    void request;
    throw new RemoteUnsupportedError(
      "The context inspector is not available with a server engine: Kaituhi cannot see the server's tokens. The memory, note and active lore are still sent.",
    );
  }

  /** Nothing to prepare: the server keeps its own prefix cache, filled by the first real request. */
  async prefill(request: PrefillRequest): Promise<PrefillResult> {
    void request;
    return { contextTokens: 0, reusedTokens: 0, prefillMs: 0 };
  }

  async close(): Promise<void> {
    for (const controller of this.#open) controller.abort();
    this.#open.clear();
  }

  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    const { min, max } = GENERATION_LIMITS.candidates;
    if (!Number.isInteger(request.candidates) || request.candidates < min || request.candidates > max) {
      throw new RangeError(`candidates must be an integer from ${min} to ${max}`);
    }
    try {
      if (request.candidates > 1 && this.#oneChoicePerRequest) {
        yield* this.#oneByOne(request, signal);
        return;
      }
      try {
        yield* this.#fitted(request, signal);
      } catch (error) {
        // Refused before a single event: the server takes one choice per request.
        if (request.candidates > 1 && error instanceof RemoteServerError && error.status === 400 && ONE_CHOICE_ONLY.test(error.detail)) {
          this.#oneChoicePerRequest = true;
          yield* this.#oneByOne(request, signal);
          return;
        }
        throw error;
      }
    } catch (error) {
      this.#reportFailure(error);
      throw error;
    }
  }

  /** One request per candidate, one after another, for a server that allows one choice per request. */
  async *#oneByOne(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    const seed = request.sampler.seed;
    let total: ({ type: 'stats' } & GenerationStats) | null = null;
    for (let candidate = 0; candidate < request.candidates; candidate++) {
      if (signal?.aborted) {
        yield { type: 'done', candidate, reason: 'aborted', text: '' };
        continue;
      }
      const one: GenerateRequest = {
        ...request,
        candidates: 1,
        sampler: { ...request.sampler, ...(seed !== undefined ? { seed: (seed + candidate) >>> 0 } : {}) },
      };
      for await (const event of this.#fitted(one, signal)) {
        if (event.type !== 'stats') yield { ...event, candidate };
        else
          total = total
            ? { ...event, generatedTokens: total.generatedTokens + event.generatedTokens, firstTokenMs: total.firstTokenMs }
            : event;
      }
    }
    if (total) yield total;
  }

  /** A request whose prompt fits the server's window; once more with half the prompt if the server says it does not. */
  async *#fitted(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    let budget = this.#sizer.budget(this.#model.contextWindow, request.maxTokens);
    const story = storyForServer(request, this.#loreState, this.#sizer.charsPerToken);
    this.#loreState = story.loreState;
    for (let attempt = 0; ; attempt++) {
      const prompt = remotePrompt(story.text, story.pinned, budget);
      try {
        yield* this.#stream(request, prompt, signal);
        return;
      } catch (error) {
        if (attempt === 0 && error instanceof RemoteServerError && error.status === 400 && CONTEXT_TOO_LONG.test(error.detail)) {
          budget = Math.floor(budget / 2);
          continue;
        }
        throw error;
      }
    }
  }

  async *#stream(request: GenerateRequest, prompt: string, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    const started = performance.now();
    const streaming = request.stream !== false;
    const wantAlternatives = (request.topAlternatives ?? 0) > 0;
    const candidates = Array.from({ length: request.candidates }, () => ({
      stop: new StopDetector({ stopStrings: request.stopStrings, stopAt: request.stopAt, precedingText: request.context }),
      text: '',
      decoded: 0,
      tokens: [] as TokenAlternatives[],
      done: false,
    }));
    const finish = function* (index: number, reason: StopReason): Generator<GenerationEvent> {
      const c = candidates[index]!;
      if (c.done) return;
      c.done = true;
      const rest = reason === 'aborted' ? '' : c.stop.flush();
      if (rest) {
        c.text += rest;
        if (streaming) yield { type: 'token', candidate: index, text: rest, tokenId: -1, logprob: 0 };
      }
      // Tokens cut off with a stop string are not part of the text.
      const tokens = !streaming && wantAlternatives ? { tokens: c.tokens.filter((token) => token.offset < c.text.length) } : {};
      yield { type: 'done', candidate: index, reason, text: c.text, ...tokens };
    };

    // Aborted by the caller's signal, by every candidate having stopped here, by a quiet server, or by close().
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) controller.abort();
    this.#open.add(controller);
    let firstTokenAt = 0;
    let usage: { prompt_tokens?: number | null; completion_tokens?: number | null } | null = null;
    let pieces = 0;
    let stoppedHere = false;
    try {
      const body = completionBody(request, prompt, this.#model.id || null);
      const response = await this.#fetch('/completions', { method: 'POST', body: JSON.stringify(body) }, controller.signal, true);
      if (!response.body) throw this.#serverError(502, 'it sent no body');
      for await (const data of this.#watchdog(sseData(response.body), controller)) {
        if (data.trim() === '[DONE]') break;
        const chunk = parseChunk(data);
        if (chunk.error !== undefined) throw this.#serverError(500, errorWords(JSON.stringify(chunk.error)));
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          const index = choice.index ?? 0;
          const c = candidates[index];
          if (!c || c.done) continue;
          if (firstTokenAt === 0 && (choice.text ?? '') !== '') {
            firstTokenAt = performance.now();
            this.#options.onHealth?.({ ok: true, latencyMs: firstTokenAt - started, model: this.#model });
          }
          for (const piece of piecesOf(choice.text ?? '', choice.logprobs, c.decoded)) {
            pieces += 1;
            c.decoded += piece.text.length;
            if (piece.alternatives && !streaming) c.tokens.push(piece.alternatives);
            const check = c.stop.push(piece.text);
            c.text += check.emit;
            if (streaming) {
              yield {
                type: 'token',
                candidate: index,
                text: check.emit,
                tokenId: -1,
                logprob: piece.alternatives?.logprob ?? 0,
                ...(piece.alternatives ? { alternatives: piece.alternatives } : {}),
              };
            }
            if (check.stop) {
              stoppedHere = true;
              yield* finish(index, check.stop);
              break;
            }
          }
          if (choice.finish_reason && !c.done) {
            yield* finish(index, choice.finish_reason === 'length' ? 'length' : request.stopStrings?.length ? 'stop-string' : 'eos');
          }
        }
        // Every candidate stopped, one at least here (at a sentence's end, say): the server need not write on. When the
        // server ended them all, its usage is still to come.
        if (stoppedHere && candidates.every((c) => c.done)) break;
      }
    } catch (error) {
      if (!signal?.aborted) {
        const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
        throw this.#asProblem(reason instanceof Error ? reason : error);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#open.delete(controller);
      controller.abort();
    }
    for (let index = 0; index < candidates.length; index++) yield* finish(index, signal?.aborted ? 'aborted' : 'length');
    if (!signal?.aborted && usage?.prompt_tokens) this.#sizer.learn(prompt.length, usage.prompt_tokens);
    const now = performance.now();
    const generated = usage?.completion_tokens ?? pieces;
    const decodeMs = firstTokenAt ? now - firstTokenAt : 0;
    const promptTokens = usage?.prompt_tokens ?? 0;
    yield {
      type: 'stats',
      promptTokens,
      reusedTokens: 0,
      prefillMs: (firstTokenAt || now) - started,
      firstTokenMs: (firstTokenAt || now) - started,
      decodeMs,
      generatedTokens: generated,
      tokensPerSecond: decodeMs > 0 && generated > request.candidates ? ((generated - request.candidates) * 1000) / decodeMs : 0,
      contextTokens: promptTokens,
      contextWindow: this.#model.contextWindow ?? ASSUMED_CONTEXT_WINDOW,
    };
  }

  /**
   * A fetch to this server's API: the key in Authorization, no redirect followed, no answer waited for forever. The
   * answer timeout covers all of a JSON answer, and a stream's headers only: from there #watchdog times each piece, so
   * a long generation that keeps streaming is never cut off.
   */
  async #fetch(path: string, init: { method: string; body?: string }, signal?: AbortSignal, streamed = false): Promise<Response> {
    const headers: Record<string, string> = { accept: init.method === 'GET' ? 'application/json' : 'text/event-stream' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    const timeoutMs = this.#options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${durationWords(timeoutMs)}`)), timeoutMs);
    // Left running past a JSON answer that has been read, where it aborts nothing; it must not keep the process up.
    timer.unref?.();
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        ...init,
        headers,
        // A redirect would carry the key (or the prompt) to another place than the one the writer named.
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.#asProblem(timeout.signal.aborted ? timeout.signal.reason : error);
    } finally {
      if (streamed) clearTimeout(timer);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw this.#serverError(
        response.status,
        'it redirects elsewhere, and Kaituhi does not follow redirects: give the address it redirects to',
      );
    }
    if (!response.ok) throw this.#serverError(response.status, errorWords(await boundedText(response, MAX_ERROR_BYTES).catch(() => '')));
    return response;
  }

  /** Ends the stream when the server goes quiet for longer than the answer timeout. */
  async *#watchdog(events: AsyncGenerator<string>, controller: AbortController): AsyncGenerator<string> {
    const timeoutMs = this.#options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    const arm = () =>
      setTimeout(
        () => controller.abort(new RemoteUnreachableError(`it went quiet for ${durationWords(timeoutMs)}`, this.#base)),
        timeoutMs,
      );
    let timer = arm();
    try {
      for await (const data of events) {
        clearTimeout(timer);
        yield data;
        timer = arm();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #reported<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.#reportFailure(error);
      throw error;
    }
  }

  #reportFailure(error: unknown): void {
    if (error instanceof RemoteServerError) this.#options.onHealth?.({ ok: false, status: error.status, detail: error.detail });
    else if (error instanceof RemoteUnreachableError) this.#options.onHealth?.({ ok: false, status: null, detail: error.detail });
  }

  #serverError(status: number, detail: string): RemoteServerError {
    return new RemoteServerError(status, this.#masked(detail));
  }

  #asProblem(error: unknown): Error {
    if (error instanceof RemoteServerError || error instanceof RemoteUnreachableError) return error;
    // fetch says "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND…) in its cause.
    const cause = (error as { cause?: unknown }).cause;
    const words = cause instanceof Error ? cause.message : errorMessage(error);
    return new RemoteUnreachableError(this.#masked(words), this.#base);
  }

  /** A server that echoes the request back must not make the key appear in a notice or a log. */
  #masked(text: string): string {
    const key = this.#options.apiKey;
    return key ? text.split(key).join('•••') : text;
  }
}

/** Whole seconds, as the defaults are; milliseconds for a timeout under a second (the tests' short ones). */
function durationWords(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function parseChunk(data: string) {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new RemoteServerError(502, `it streamed something that is not JSON: ${data.slice(0, 80)}`);
  }
  const parsed = completionChunkSchema.safeParse(json);
  if (!parsed.success) throw new RemoteServerError(502, `it streamed a chunk of another shape (${parsed.error.issues[0]?.message ?? ''})`);
  return parsed.data;
}

/**
 * A chunk's text, cut into its tokens when the server sent their logprobs (each then with its alternatives, likeliest
 * first; token ids are the server's own business, so -1), or whole when it did not.
 */
function piecesOf(
  text: string,
  logprobs: ChunkLogprobs | null | undefined,
  decoded: number,
): Array<{ text: string; alternatives?: TokenAlternatives }> {
  if (!logprobs || logprobs.tokens.length === 0 || logprobs.tokens.join('') !== text) return text ? [{ text }] : [];
  let offset = decoded;
  return logprobs.tokens.map((token, i) => {
    const top = logprobs.top_logprobs?.[i] ?? {};
    const alternatives: TokenAlternatives = {
      tokenId: -1,
      text: token,
      offset,
      logprob: logprobs.token_logprobs[i] ?? top[token] ?? 0,
      top: Object.entries(top)
        .sort(([, a], [, b]) => b - a)
        .map(([alternative, logprob]) => ({ tokenId: -1, text: alternative, logprob })),
    };
    offset += token.length;
    return { text: token, alternatives };
  });
}

async function boundedText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new RemoteServerError(502, `its answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
