/**
 * Runs one `/v1/completions` request on the app's engine: the same engine, prefix cache and cancellation as the
 * editor's suggestions. The answer is one JSON object, or server-sent events ending `data: [DONE]`. A client that
 * closes its connection cancels the generation between two steps.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AppServices } from '../../services/app-services.js';
import type { GenerationSlots } from '../../services/client-limits.js';
import type { GenerationEvent, GenerationStats } from '../../shared/api.js';
import { GENERATION_LIMITS } from '../../common/generation.js';
import { errorMessage } from '../../common/error-message.js';
import type { CompletionPlan } from './completions-request.js';
import { badRequest, OpenAiError } from './openai-errors.js';
import { servedModel, type ServedModel } from './served-model.js';

export interface CompletionDeps {
  readonly services: AppServices;
  /** Places for API requests, running or waiting (CLIENT_LIMITS.apiGenerations). */
  readonly apiSlots: GenerationSlots;
}

type TokenEvent = Extract<GenerationEvent, { type: 'token' }>;
type DoneEvent = Extract<GenerationEvent, { type: 'done' }>;
type TokenAlternatives = NonNullable<TokenEvent['alternatives']>;
type Engine = NonNullable<AppServices['engine']['engine']>;
/** A token with its logprob where it starts in the text, and the likeliest tokens there: generated or scored. */
interface TokenLogprob {
  readonly text: string;
  readonly logprob: number;
  readonly offset: number;
  readonly top?: readonly { readonly text: string; readonly logprob: number }[];
}
type FinishReason = 'stop' | 'length';

interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

/** OpenAI's completions `logprobs` object: one entry per token, in parallel arrays. */
interface Logprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Array<Record<string, number>>;
  text_offset: number[];
}

interface Choice {
  text: string;
  index: number;
  logprobs: Logprobs | null;
  finish_reason: FinishReason | null;
}

/** Checks the request against the model and the queue, then answers it; throws an OpenAiError before any byte is sent. */
export async function serveCompletion(
  deps: CompletionDeps,
  plan: CompletionPlan,
  response: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const { services } = deps;
  const engine = services.engine.engine;
  const model = servedModel(services.engine.state);
  if (!engine || !model) {
    throw new OpenAiError(503, services.engine.state.message ?? 'No model is loaded yet.', { code: 'model_not_loaded' });
  }
  if (plan.model !== null && plan.model !== model.id) {
    throw new OpenAiError(404, `The model \`${plan.model.slice(0, 256)}\` is not served here; this server serves \`${model.id}\`.`, {
      param: 'model',
      code: 'model_not_found',
    });
  }
  const maxTokens = plan.generate?.maxTokens ?? 0;
  if (model.contextWindow !== null && maxTokens > model.contextWindow / 2) {
    throw badRequest(`max_tokens must be at most ${model.contextWindow / 2} (half of this model's window).`, 'max_tokens');
  }
  if (plan.echo && plan.logprobs !== null && plan.prompt.length > GENERATION_LIMITS.scoreTextChars) {
    throw badRequest(`echo with logprobs scores prompts of at most ${GENERATION_LIMITS.scoreTextChars} characters.`, 'prompt');
  }
  if (!deps.apiSlots.take()) throw queueFull(deps.apiSlots.capacity);
  if (!services.generationSlots.take()) {
    deps.apiSlots.giveBack();
    throw queueFull(services.generationSlots.capacity);
  }
  const cancel = new AbortController();
  // 'close' also fires after a complete answer; aborting then is harmless.
  response.once('close', () => cancel.abort());
  const answer = plan.stream ? new StreamedAnswer(response, headers, plan, model) : new JsonAnswer(response, headers, plan, model);
  try {
    answer.begin();
    // The prompt's own logprobs (echo with logprobs): the engine scores it first, which also leaves it in the
    // prefix cache for the generation that follows.
    const scored = plan.echo && plan.logprobs !== null ? await scorePrompt(engine, plan, cancel.signal) : null;
    answer.echo(scored);
    if (!plan.generate) {
      answer.end({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, scored?.length ?? (await engine.countTokens(plan.prompt)));
      return;
    }
    let stats: GenerationStats | null = null;
    // After a cancel the engine's last events are still read (and dropped): the places are given back only
    // once the engine has really stopped, so the queue's bound counts the work the engine still has.
    for await (const event of engine.generate(plan.generate, cancel.signal)) {
      if (cancel.signal.aborted) continue;
      if (event.type === 'token') answer.token(event);
      else if (event.type === 'done') answer.done(event);
      else stats = event;
    }
    if (!cancel.signal.aborted) answer.end(usageOf(stats));
  } catch (error) {
    if (cancel.signal.aborted) return;
    const failure = error instanceof OpenAiError ? error : new OpenAiError(500, errorMessage(error));
    if (!answer.started) throw failure;
    answer.fail(failure);
  } finally {
    deps.apiSlots.giveBack();
    services.generationSlots.giveBack();
  }
}

async function scorePrompt(engine: Engine, plan: CompletionPlan, signal: AbortSignal): Promise<TokenLogprob[]> {
  const result = await engine.score({ context: '', text: plan.prompt, topAlternatives: Math.max(1, plan.logprobs ?? 0) }, signal);
  return result.tokens.map((token) => ({
    text: token.text,
    logprob: token.logprob,
    offset: token.offset,
    ...(token.top ? { top: token.top } : {}),
  }));
}

function queueFull(capacity: number): OpenAiError {
  return new OpenAiError(429, `${capacity} requests are already running or waiting for the one engine; try again when one ends.`, {
    type: 'rate_limit_error',
    code: 'queue_full',
  });
}

/** Kaituhi's reasons, in OpenAI's two words: the end of text and stop strings are 'stop', the token limit 'length'. */
function finishReason(reason: DoneEvent['reason']): FinishReason {
  return reason === 'length' ? 'length' : 'stop';
}

function usageOf(stats: GenerationStats | null): Usage {
  const prompt = stats?.promptTokens ?? 0;
  const completion = stats?.generatedTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/**
 * Tokens in OpenAI's shape. `top_logprobs` holds the `top` likeliest tokens and the chosen one (so up to top + 1
 * entries, as vLLM gives them); two tokens with the same text keep the likelier one's value. Offsets count from
 * the start of the choice's text, echoed prompt included.
 */
function logprobsOf(tokens: readonly TokenLogprob[], top: number, offset: number): Logprobs {
  return {
    tokens: tokens.map((token) => token.text),
    token_logprobs: tokens.map((token) => token.logprob),
    top_logprobs: tokens.map((token) => {
      const entries: Record<string, number> = {};
      for (const alternative of (token.top ?? []).slice(0, top)) entries[alternative.text] ??= alternative.logprob;
      entries[token.text] ??= token.logprob;
      return entries;
    }),
    text_offset: tokens.map((token) => offset + token.offset),
  };
}

abstract class Answer {
  readonly id = `cmpl-${randomBytes(12).toString('base64url')}`;
  readonly created = Math.floor(Date.now() / 1000);
  started = false;

  constructor(
    protected readonly response: ServerResponse,
    protected readonly headers: Record<string, string>,
    protected readonly plan: CompletionPlan,
    protected readonly model: ServedModel,
  ) {}

  /** The request is accepted: a stream says so at once (its headers), even while it waits for the engine. */
  begin(): void {}
  /** With `echo`: the prompt before the text, with its tokens' logprobs when they were asked for (else null). */
  abstract echo(scored: readonly TokenLogprob[] | null): void;
  abstract token(event: TokenEvent): void;
  abstract done(event: DoneEvent): void;
  /** Everything is decoded; `promptTokens` stands in for the stats when nothing was generated (echo, max_tokens 0). */
  abstract end(usage: Usage, promptTokens?: number): void;
  abstract fail(error: OpenAiError): void;

  protected envelope(choices: readonly Choice[], usage?: Usage) {
    return {
      id: this.id,
      object: 'text_completion' as const,
      created: this.created,
      model: this.model.id,
      choices,
      ...(usage ? { usage } : {}),
    };
  }

  protected get candidates(): number {
    return this.plan.generate?.candidates ?? 1;
  }

  protected get echoed(): string {
    return this.plan.echo ? this.plan.prompt : '';
  }
}

function joinLogprobs(a: Logprobs, b: Logprobs): Logprobs {
  return {
    tokens: [...a.tokens, ...b.tokens],
    token_logprobs: [...a.token_logprobs, ...b.token_logprobs],
    top_logprobs: [...a.top_logprobs, ...b.top_logprobs],
    text_offset: [...a.text_offset, ...b.text_offset],
  };
}

const promptOnlyUsage = (promptTokens: number): Usage => ({
  prompt_tokens: promptTokens,
  completion_tokens: 0,
  total_tokens: promptTokens,
});

/** One JSON object once everything is decoded (the engine sends only each choice's final text and tokens). */
class JsonAnswer extends Answer {
  readonly #choices: Choice[] = Array.from({ length: this.candidates }, (_, index) => ({
    text: this.echoed,
    index,
    logprobs: this.plan.logprobs === null ? null : logprobsOf([], 0, 0),
    finish_reason: null,
  }));

  /** The prompt's logprobs, which every choice's logprobs start with. */
  #echoed: Logprobs | null = null;

  echo(scored: readonly TokenLogprob[] | null): void {
    if (scored && this.plan.logprobs !== null) {
      this.#echoed = logprobsOf(scored, this.plan.logprobs, 0);
      for (const choice of this.#choices) choice.logprobs = this.#echoed;
    }
  }

  token(): void {
    // A JSON answer asks the engine for final texts only (stream: false): no token events come.
  }

  done(event: DoneEvent): void {
    const choice = this.#choices[event.candidate];
    if (!choice || event.reason === 'aborted') return;
    choice.text = this.echoed + event.text;
    choice.finish_reason = finishReason(event.reason);
    if (this.plan.logprobs === null) return;
    const generated = logprobsOf(event.tokens ?? [], this.plan.logprobs, this.echoed.length);
    choice.logprobs = this.#echoed ? joinLogprobs(this.#echoed, generated) : generated;
  }

  end(usage: Usage, promptTokens?: number): void {
    if (promptTokens !== undefined) for (const choice of this.#choices) choice.finish_reason = 'length';
    this.started = true;
    const json = JSON.stringify(this.envelope(this.#choices, promptTokens === undefined ? usage : promptOnlyUsage(promptTokens)));
    this.response
      .writeHead(200, { ...this.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) })
      .end(json);
  }

  fail(): void {
    this.response.destroy();
  }
}

/**
 * Server-sent events: a chunk per piece of text, a chunk with each choice's finish_reason, the usage on the last
 * of those (as llama.cpp's server sends it), or in a chunk of its own with no choices when the client asked with
 * `stream_options.include_usage` (as OpenAI sends it); then `data: [DONE]`. The body is bounded by the request
 * (max_tokens × n), so no reader can make the server hold more than that.
 *
 * With logprobs, a token's entry goes out with the chunk whose text reaches it: text held back while it might
 * still become a stop string waits with its tokens, and tokens that became a stop string are never sent.
 */
class StreamedAnswer extends Answer {
  /** The finish of the last choice to end waits for the stats, to carry the usage. */
  #lastFinish: Choice | null = null;
  #finished = 0;
  /** Per choice: characters of text sent, and tokens decoded whose text has not been sent yet. */
  readonly #sent = Array.from({ length: this.candidates }, () => ({ chars: 0, waiting: [] as TokenAlternatives[] }));

  override begin(): void {
    if (this.started) return;
    this.started = true;
    this.response.writeHead(200, {
      ...this.headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    this.response.flushHeaders();
    // Nagle would hold small chunks back for the next one; every token matters to a reader.
    this.response.socket?.setNoDelay(true);
  }

  echo(scored: readonly TokenLogprob[] | null): void {
    if (!this.plan.echo) return;
    const logprobs = this.plan.logprobs === null ? null : logprobsOf(scored ?? [], this.plan.logprobs, 0);
    for (let index = 0; index < this.candidates; index++) {
      this.#chunk([{ text: this.plan.prompt, index, logprobs, finish_reason: null }]);
    }
  }

  token(event: TokenEvent): void {
    const sent = this.#sent[event.candidate];
    if (!sent) return;
    if (event.alternatives) sent.waiting.push(event.alternatives);
    sent.chars += event.text.length;
    const ready = sent.waiting.filter((token) => token.offset < sent.chars);
    sent.waiting = sent.waiting.filter((token) => token.offset >= sent.chars);
    if (event.text || ready.length > 0) {
      this.#chunk([{ text: event.text, index: event.candidate, logprobs: this.#logprobs(ready), finish_reason: null }]);
    }
  }

  done(event: DoneEvent): void {
    if (event.reason === 'aborted') return;
    const finish: Choice = { text: '', index: event.candidate, logprobs: null, finish_reason: finishReason(event.reason) };
    this.#finished += 1;
    if (this.#finished === this.candidates) this.#lastFinish = finish;
    else this.#chunk([finish]);
  }

  end(usage: Usage, promptTokens?: number): void {
    if (promptTokens !== undefined) {
      for (let index = 0; index < this.candidates; index++) {
        this.done({ type: 'done', candidate: index, reason: 'length', text: '' });
      }
    }
    const total = promptTokens === undefined ? usage : promptOnlyUsage(promptTokens);
    if (this.#lastFinish) this.#chunk([this.#lastFinish], this.plan.usageChunk ? undefined : total);
    if (this.plan.usageChunk) this.#chunk([], total);
    this.#event('[DONE]');
    this.response.end();
  }

  fail(error: OpenAiError): void {
    this.#event(JSON.stringify(error.body));
    this.response.end();
  }

  #logprobs(tokens: readonly TokenAlternatives[]): Logprobs | null {
    if (this.plan.logprobs === null) return null;
    return logprobsOf(tokens, this.plan.logprobs, this.echoed.length);
  }

  #chunk(choices: readonly Choice[], usage?: Usage): void {
    this.#event(JSON.stringify(this.envelope(choices, usage)));
  }

  #event(data: string): void {
    if (!this.response.destroyed) this.response.write(`data: ${data}\n\n`);
  }
}
