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
import { errorMessage } from '../../common/error-message.js';
import type { CompletionPlan } from './completions-request.js';
import { badRequest, OpenAiError } from './openai-errors.js';
import { servedModel, type ServedModel } from './served-model.js';

export interface CompletionDeps {
  readonly services: AppServices;
  /** Places for API requests, running or waiting (CLIENT_LIMITS.apiGenerations). */
  readonly apiSlots: GenerationSlots;
}

type FinishReason = 'stop' | 'length';

interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

interface Choice {
  text: string;
  index: number;
  logprobs: null;
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
  if (plan.logprobs !== null) throw badRequest('logprobs are not available from this engine yet.', 'logprobs');
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
    if (!plan.generate) {
      answer.finishWithoutGenerating(await engine.countTokens(plan.prompt));
      return;
    }
    // After a cancel the engine's last events are still read (and dropped): the places are given back only
    // once the engine has really stopped, so the queue's bound counts the work the engine still has.
    for await (const event of engine.generate(plan.generate, cancel.signal)) {
      if (cancel.signal.aborted) continue;
      if (event.type === 'token') answer.text(event.candidate, event.text);
      else if (event.type === 'done') {
        if (event.reason !== 'aborted') answer.done(event.candidate, finishReason(event.reason));
      } else answer.stats(event);
    }
    if (!cancel.signal.aborted) answer.end();
  } catch (error) {
    if (cancel.signal.aborted) return;
    if (!answer.started) throw error instanceof OpenAiError ? error : new OpenAiError(500, errorMessage(error));
    answer.fail(error instanceof OpenAiError ? error : new OpenAiError(500, errorMessage(error)));
  } finally {
    deps.apiSlots.giveBack();
    services.generationSlots.giveBack();
  }
}

function queueFull(capacity: number): OpenAiError {
  return new OpenAiError(429, `${capacity} requests are already running or waiting for the one engine; try again when one ends.`, {
    type: 'rate_limit_error',
    code: 'queue_full',
  });
}

/** Kaituhi's reasons, in OpenAI's two words: the end of text and stop strings are 'stop', the token limit 'length'. */
function finishReason(reason: Extract<GenerationEvent, { type: 'done' }>['reason']): FinishReason {
  return reason === 'length' ? 'length' : 'stop';
}

function usageOf(stats: GenerationStats | null, promptTokens = 0): Usage {
  const prompt = stats?.promptTokens ?? promptTokens;
  const completion = stats?.generatedTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function completionId(): string {
  return `cmpl-${randomBytes(12).toString('base64url')}`;
}

abstract class Answer {
  readonly id = completionId();
  readonly created = Math.floor(Date.now() / 1000);
  protected statsSeen: GenerationStats | null = null;
  started = false;

  constructor(
    protected readonly response: ServerResponse,
    protected readonly headers: Record<string, string>,
    protected readonly plan: CompletionPlan,
    protected readonly model: ServedModel,
  ) {}

  /** The request is accepted: a stream says so at once (its headers), even while it waits for the engine. */
  begin(): void {}
  abstract text(candidate: number, text: string): void;
  abstract done(candidate: number, reason: FinishReason): void;
  abstract end(): void;
  abstract fail(error: OpenAiError): void;
  abstract finishWithoutGenerating(promptTokens: number): void;

  stats(stats: GenerationStats): void {
    this.statsSeen = stats;
  }

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
}

/** One JSON object once everything is decoded. */
class JsonAnswer extends Answer {
  readonly #choices: Choice[];

  constructor(response: ServerResponse, headers: Record<string, string>, plan: CompletionPlan, model: ServedModel) {
    super(response, headers, plan, model);
    this.#choices = Array.from({ length: this.candidates }, (_, index) => ({
      text: plan.echo ? plan.prompt : '',
      index,
      logprobs: null,
      finish_reason: null,
    }));
  }

  text(candidate: number, text: string): void {
    const choice = this.#choices[candidate];
    if (choice) choice.text += text;
  }

  done(candidate: number, reason: FinishReason): void {
    const choice = this.#choices[candidate];
    if (choice) choice.finish_reason = reason;
  }

  end(): void {
    this.#send(this.envelope(this.#choices, usageOf(this.statsSeen)));
  }

  finishWithoutGenerating(promptTokens: number): void {
    for (const choice of this.#choices) choice.finish_reason = 'length';
    this.#send(this.envelope(this.#choices, usageOf(null, promptTokens)));
  }

  fail(error: OpenAiError): void {
    this.response.destroy(error);
  }

  #send(body: object): void {
    this.started = true;
    const json = JSON.stringify(body);
    this.response
      .writeHead(200, { ...this.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) })
      .end(json);
  }
}

/**
 * Server-sent events: a chunk per piece of text, a chunk with each choice's finish_reason, the usage on the last
 * of those (as llama.cpp's server sends it), or in a chunk of its own with no choices when the client asked with
 * `stream_options.include_usage` (as OpenAI sends it); then `data: [DONE]`. The body is bounded by the request
 * (max_tokens × n), so no reader can make the server hold more than that.
 */
class StreamedAnswer extends Answer {
  /** The finish of the last choice to end waits for the stats, to carry the usage. */
  #lastFinish: Choice | null = null;
  #finished = 0;

  override begin(): void {
    this.#start();
  }

  text(candidate: number, text: string): void {
    if (text) this.#chunk([{ text, index: candidate, logprobs: null, finish_reason: null }]);
  }

  done(candidate: number, reason: FinishReason): void {
    const finish: Choice = { text: '', index: candidate, logprobs: null, finish_reason: reason };
    this.#finished += 1;
    if (this.#finished === this.candidates) this.#lastFinish = finish;
    else this.#chunk([finish]);
  }

  end(): void {
    const usage = usageOf(this.statsSeen);
    if (this.#lastFinish) this.#chunk([this.#lastFinish], this.plan.usageChunk ? undefined : usage);
    if (this.plan.usageChunk) this.#chunk([], usage);
    this.#event('[DONE]');
    this.response.end();
  }

  finishWithoutGenerating(promptTokens: number): void {
    this.#start();
    for (let index = 0; index < this.candidates; index++) this.done(index, 'length');
    const usage = usageOf(null, promptTokens);
    if (this.#lastFinish) this.#chunk([this.#lastFinish], this.plan.usageChunk ? undefined : usage);
    if (this.plan.usageChunk) this.#chunk([], usage);
    this.#event('[DONE]');
    this.response.end();
  }

  fail(error: OpenAiError): void {
    this.#event(JSON.stringify(error.body));
    this.response.end();
  }

  #start(): void {
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
    if (this.plan.echo) {
      for (let index = 0; index < this.candidates; index++) {
        this.#event(JSON.stringify(this.envelope([{ text: this.plan.prompt, index, logprobs: null, finish_reason: null }])));
      }
    }
  }

  #chunk(choices: readonly Choice[], usage?: Usage): void {
    this.#start();
    this.#event(JSON.stringify(this.envelope(choices, usage)));
  }

  #event(data: string): void {
    this.#start();
    if (!this.response.destroyed) this.response.write(`data: ${data}\n\n`);
  }
}
