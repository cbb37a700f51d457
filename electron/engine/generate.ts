/**
 * One generation request: context assembly, prefix-cached prefill, then N candidates decoded as one batch.
 * Finished candidates leave the batch, so the rest stop paying for them. Cancellation is checked between
 * steps; the decoder's cache stays consistent whatever step a request is cancelled at.
 */
import { GENERATION_LIMITS } from '../common/generation.js';
import { assembleContext } from './context-window.js';
import type { LoadedModel } from './model/load-model.js';
import { createRng, randomSeed, sampleToken, type Rng } from './sampling.js';
import { StopDetector } from './stopping.js';
import type { StreamDecoder } from './tokenizer/index.js';
import type { GenerateRequest, GenerationEvent, PrefillRequest, PrefillResult, StopReason } from './types.js';

/**
 * Room kept free for the continuation when the window must slide. Inline suggestions and continuations ask
 * for different lengths; sliding as if each asked for at least this many tokens makes them all choose the
 * same start on a long document, so switching between them keeps the prefix cache (a cold 1000-token
 * prefill costs seconds on a CPU). A text that fits whole is used whole: it starts at 0 for every request.
 */
export const WINDOW_RESERVE = 128;

interface Candidate {
  readonly index: number;
  readonly rng: Rng;
  readonly history: number[];
  readonly stream: StreamDecoder;
  readonly stop: StopDetector;
  text: string;
  next: number;
}

export function validateRequest(request: GenerateRequest, contextWindow: number): void {
  const { min, max } = GENERATION_LIMITS.candidates;
  if (!Number.isInteger(request.candidates) || request.candidates < min || request.candidates > max) {
    throw new RangeError(`candidates must be an integer from ${min} to ${max}`);
  }
  checkMaxTokens(request.maxTokens, contextWindow);
}

function checkMaxTokens(maxTokens: number, contextWindow: number): void {
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > contextWindow / 2) {
    throw new RangeError(`maxTokens must be an integer from 1 to ${contextWindow / 2}`);
  }
}

/** Candidate c's random stream: distinct per candidate, and a fixed seed gives the same N texts. */
function candidateSeed(seed: number, candidate: number): number {
  return (seed + Math.imul(candidate, 0x9e3779b9)) >>> 0;
}

/** The tokens the model sees for a request: pinned memory, then as much of the text as the window allows. */
function promptTokens(model: LoadedModel, request: Pick<GenerateRequest, 'memory' | 'context' | 'maxTokens'>): number[] {
  const window = model.decoder.contextWindow;
  const place = (reserve: number): ReturnType<typeof assembleContext> =>
    assembleContext({ memory: request.memory, text: request.context, encode: model.encode, window, reserve });
  const whole = place(request.maxTokens);
  const fitsWhole = whole.droppedChars === 0 && whole.droppedTokens === 0 && whole.memoryDroppedTokens === 0;
  const assembled = fitsWhole ? whole : place(Math.max(request.maxTokens, WINDOW_RESERVE));
  // GPT-2 was trained with <|endoftext|> between documents, so it is the natural start of an empty page.
  return assembled.tokens.length > 0 ? assembled.tokens : [model.eosTokenId ?? 0];
}

/**
 * Fills the prefix cache for a text without generating: when a draft opens, the first suggestion then
 * costs only the words typed since, not a cold prefill of the whole window (seconds on a CPU).
 */
export async function prefillWith(model: LoadedModel, request: PrefillRequest): Promise<PrefillResult> {
  const started = performance.now();
  checkMaxTokens(request.maxTokens, model.decoder.contextWindow);
  const tokens = promptTokens(model, request);
  const { reused } = await model.decoder.setContext(tokens);
  return { contextTokens: tokens.length, reusedTokens: reused, prefillMs: performance.now() - started };
}

export async function* generateWith(model: LoadedModel, request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
  const started = performance.now();
  const { decoder, tokenizer } = model;
  const window = decoder.contextWindow;
  validateRequest(request, window);
  const tokens = promptTokens(model, request);

  const { logits: promptLogits, reused } = await decoder.setContext(tokens);
  const prefillDone = performance.now();
  const seed = request.sampler.seed ?? randomSeed();
  const V = decoder.vocabSize;
  const candidates: Candidate[] = Array.from({ length: request.candidates }, (_, index) => ({
    index,
    rng: createRng(candidateSeed(seed, index)),
    history: [...tokens],
    stream: tokenizer.createStreamDecoder(),
    stop: new StopDetector({ stopStrings: request.stopStrings, stopAt: request.stopAt, precedingText: request.context }),
    text: '',
    next: 0,
  }));
  let active = candidates;
  let logits: Float32Array = new Float32Array(V * active.length);
  for (let i = 0; i < active.length; i++) logits.set(promptLogits.subarray(0, V), i * V);
  decoder.startGeneration(active.length, request.maxTokens);

  let firstTokenAt = 0;
  let steps = 0;
  let generated = 0;
  // A caller that reads only the final texts (ghost text) gets no token events: they would cross two process
  // boundaries one by one for nothing.
  const streaming = request.stream !== false;
  const finish = function* (c: Candidate, reason: StopReason): Generator<GenerationEvent> {
    const rest = reason === 'aborted' ? '' : c.stop.flush();
    if (rest) {
      c.text += rest;
      if (streaming) yield { type: 'token', candidate: c.index, text: rest, tokenId: -1, logprob: 0 };
    }
    yield { type: 'done', candidate: c.index, reason, text: c.text };
  };

  for (let step = 0; active.length > 0; step++) {
    if (signal?.aborted) {
      for (const c of active) yield* finish(c, 'aborted');
      active = [];
      break;
    }
    const still: Candidate[] = [];
    for (let row = 0; row < active.length; row++) {
      const c = active[row]!;
      const { tokenId, logprob } = sampleToken(logits.subarray(row * V, (row + 1) * V), c.history, request.sampler, c.rng);
      generated++;
      if (firstTokenAt === 0) firstTokenAt = performance.now();
      if (tokenId === model.eosTokenId) {
        yield* finish(c, 'eos');
        continue;
      }
      c.history.push(tokenId);
      const check = c.stop.push(c.stream.push(tokenId));
      c.text += check.emit;
      if (streaming) yield { type: 'token', candidate: c.index, text: check.emit, tokenId, logprob };
      if (check.stop) {
        yield* finish(c, check.stop);
        continue;
      }
      if (step + 1 >= request.maxTokens) {
        const tail = c.stop.push(c.stream.flush());
        c.text += tail.emit;
        if (tail.emit && streaming) yield { type: 'token', candidate: c.index, text: tail.emit, tokenId: -1, logprob: 0 };
        yield* finish(c, 'length');
        continue;
      }
      c.next = tokenId;
      still.push(c);
    }
    if (still.length === 0) break;
    if (still.length < active.length) decoder.keepCandidates(still.map((c) => active.indexOf(c)));
    active = still;
    if (signal?.aborted) continue;
    logits = await decoder.step(active.map((c) => c.next));
    steps++;
  }

  const ended = performance.now();
  const decodeMs = ended - prefillDone;
  yield {
    type: 'stats',
    promptTokens: tokens.length,
    reusedTokens: reused,
    prefillMs: prefillDone - started,
    firstTokenMs: (firstTokenAt || ended) - started,
    decodeMs,
    generatedTokens: generated,
    tokensPerSecond: steps > 0 ? (steps * 1000) / decodeMs : 0,
    contextTokens: tokens.length,
    contextWindow: window,
  };
}
