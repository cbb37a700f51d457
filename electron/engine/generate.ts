/**
 * One generation request: context assembly, prefix-cached prefill, then N candidates decoded as one batch.
 * Finished candidates leave the batch, so the rest stop paying for them. Cancellation is checked between
 * steps; the decoder's cache stays consistent whatever step a request is cancelled at.
 */
import { GENERATION_LIMITS } from '../common/generation.js';
import { assembleContext, placementSuffixStart, type AssembledContext } from './context-window.js';
import type { LoadedModel } from './model/load-model.js';
import { alternativesAt } from './alternatives.js';
import { applyPenalties, createRng, randomSeed, sampleAdjusted, type Rng } from './sampling.js';
import { StopDetector } from './stopping.js';
import type { StreamDecoder } from './tokenizer/index.js';
import type { GenerateRequest, GenerationEvent, PrefillRequest, PrefillResult, StopReason, TokenAlternatives } from './types.js';

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
  /** Characters the stream decoder has produced so far: where the next token's text starts. */
  decoded: number;
  /** Each token's alternatives, kept for the `done` event of a request that does not stream. */
  readonly alternatives: TokenAlternatives[];
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

/**
 * How the window is placed for a request: pinned memory, then as much of the text as the window allows. A model
 * trained with a marker at the start of every text (uer's Chinese GPT-2: [CLS]) keeps one position free for it.
 */
function placeWindow(model: LoadedModel, request: Pick<GenerateRequest, 'memory' | 'context' | 'maxTokens'>): AssembledContext {
  const window = model.decoder.contextWindow - (model.tokenizer.startTokenId === null ? 0 : 1);
  const place = (reserve: number): AssembledContext =>
    assembleContext({ memory: request.memory, text: request.context, encode: model.encode, window, reserve });
  const whole = place(request.maxTokens);
  const fitsWhole = whole.droppedChars === 0 && whole.droppedTokens === 0 && whole.memoryDroppedTokens === 0;
  return fitsWhole ? whole : place(Math.max(request.maxTokens, WINDOW_RESERVE));
}

/**
 * The tokens the model sees for a request. The start marker goes first wherever the window holds the start of the
 * memory or of the text, as in training.
 */
function promptTokens(model: LoadedModel, request: Pick<GenerateRequest, 'memory' | 'context' | 'maxTokens'>): number[] {
  const assembled = placeWindow(model, request);
  const start = model.tokenizer.startTokenId;
  if (start !== null) {
    const atDocumentStart =
      assembled.memoryTokens > 0 ? assembled.memoryDroppedTokens === 0 : assembled.droppedChars === 0 && assembled.droppedTokens === 0;
    if (atDocumentStart) return [start, ...assembled.tokens];
  }
  // GPT-2 was trained with <|endoftext|> between documents, so it is the natural start of an empty page.
  return assembled.tokens.length > 0 ? assembled.tokens : [model.eosTokenId ?? 0];
}

/** How far ahead of the writer the next slide is looked for, in characters typed, and in what steps. */
const SLIDE_HORIZON_CHARS = 6144;
const SLIDE_SEARCH_STEP_CHARS = 128;
/** How close to the window's end a text that still fits whole must be for its first slide to be prepared. */
const SLIDE_NEAR_TOKENS = 384;
/** A predicted window shorter than this is not worth a background prefill. */
const MIN_PREPARED_TOKENS = 64;
/**
 * Background prefill runs once at least this many tokens are missing from the prepared window (a short chunk
 * reads all the weights as a long one does), or whatever is missing once the slide is this close in characters.
 */
const BACKGROUND_BATCH_TOKENS = 32;
const SLIDE_IMMINENT_CHARS = 256;

export interface NextWindow {
  /** The tokens of the next window that the text typed so far determines. */
  readonly prefix: number[];
  /** About how many more characters of typing move the window there. */
  readonly charsToSlide: number;
}

/**
 * The start of the window the next slide will move to, as far as the text typed so far knows it: the tokens of
 * that window that precede the end of the current text. Found by appending prose (the text's own tail, repeated)
 * until the window's start moves, in steps of SLIDE_SEARCH_STEP_CHARS up to SLIDE_HORIZON_CHARS; null when it
 * does not move within that horizon, or when too little of the new window is known yet.
 */
export function nextWindow(model: LoadedModel, request: PrefillRequest): NextWindow | null {
  // A 10 MB draft is searched through its last few windows' worth of text, not copied whole at every step.
  const text = request.context.slice(placementSuffixStart(request.context.length, model.decoder.contextWindow));
  const now = placeWindow(model, { ...request, context: text });
  const room = model.decoder.contextWindow - Math.max(request.maxTokens, WINDOW_RESERVE) - now.tokens.length;
  // A text that fits with room to spare slides only after hundreds of tokens more: prepare when it comes near.
  if (now.droppedChars === 0 && now.droppedTokens === 0 && room > SLIDE_NEAR_TOKENS) return null;
  const tail = text.slice(-512).trimStart();
  if (tail.length === 0) return null;
  for (let grow = SLIDE_SEARCH_STEP_CHARS; grow <= SLIDE_HORIZON_CHARS; grow += SLIDE_SEARCH_STEP_CHARS) {
    const filler = ` ${tail.repeat(Math.ceil(grow / tail.length))}`.slice(0, grow);
    const next = placeWindow(model, { ...request, context: text + filler });
    if (next.droppedChars === now.droppedChars && next.droppedTokens === now.droppedTokens) continue;
    // The new window's tokens over the text as it is now; the last word may still change as the writer types.
    const known = next.tokens.slice(0, next.memoryTokens).concat(model.encode(text.slice(next.droppedChars)).slice(next.droppedTokens));
    let n = 0;
    while (n < known.length && n < next.tokens.length && known[n] === next.tokens[n]) n++;
    return n >= MIN_PREPARED_TOKENS ? { prefix: next.tokens.slice(0, n), charsToSlide: grow } : null;
  }
  return null;
}

/** The last prediction per model: the text only changes at the end between two requests, the search is not free. */
const predictions = new WeakMap<LoadedModel, { key: PrefillRequest; next: NextWindow | null }>();

/**
 * Background work between requests: prefills, at most `maxNewTokens` at a time, the window the next slide will
 * need, so that the request after the slide reuses it instead of re-reading the whole window (seconds on a CPU).
 * Words typed since are added in batches of BACKGROUND_BATCH_TOKENS, all at once when the slide is near.
 * Returns true while there is more to do now.
 */
export async function prepareNextWindow(model: LoadedModel, request: PrefillRequest, maxNewTokens: number): Promise<boolean> {
  if (!model.decoder.prepareSpare) return false;
  let memo = predictions.get(model);
  const same =
    memo && memo.key.context === request.context && memo.key.memory === request.memory && memo.key.maxTokens === request.maxTokens;
  if (!memo || !same) {
    memo = { key: request, next: nextWindow(model, request) };
    predictions.set(model, memo);
  }
  if (memo.next === null) return false;
  const minNewTokens = memo.next.charsToSlide <= SLIDE_IMMINENT_CHARS ? 1 : BACKGROUND_BATCH_TOKENS;
  return !(await model.decoder.prepareSpare(memo.next.prefix, maxNewTokens, minNewTokens));
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
    decoded: 0,
    alternatives: [],
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
  const topAlternatives = request.topAlternatives ?? 0;
  const tokenText = (id: number): string => tokenizer.decode([id]);
  const finish = function* (c: Candidate, reason: StopReason): Generator<GenerationEvent> {
    const rest = reason === 'aborted' ? '' : c.stop.flush();
    if (rest) {
      c.text += rest;
      if (streaming) yield { type: 'token', candidate: c.index, text: rest, tokenId: -1, logprob: 0 };
    }
    // Tokens cut off with a stop string or a boundary's trailing space are not part of the text.
    const tokens = !streaming && topAlternatives > 0 ? { tokens: c.alternatives.filter((t) => t.offset < c.text.length) } : {};
    yield { type: 'done', candidate: c.index, reason, text: c.text, ...tokens };
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
      const adjusted = logits.subarray(row * V, (row + 1) * V);
      applyPenalties(adjusted, c.history, request.sampler);
      const { tokenId, logprob } = sampleAdjusted(adjusted, request.sampler, c.rng);
      generated++;
      if (firstTokenAt === 0) firstTokenAt = performance.now();
      if (tokenId === model.eosTokenId) {
        yield* finish(c, 'eos');
        continue;
      }
      c.history.push(tokenId);
      const piece = c.stream.push(tokenId);
      // Sampling only reads the logits, so the row still holds what it saw: the alternatives come from it.
      const alternatives =
        topAlternatives > 0
          ? { tokenId, text: piece, offset: c.decoded, ...alternativesAt(adjusted, topAlternatives, tokenId, tokenText) }
          : undefined;
      c.decoded += piece.length;
      if (alternatives && !streaming) c.alternatives.push(alternatives);
      const check = c.stop.push(piece);
      c.text += check.emit;
      if (streaming)
        yield { type: 'token', candidate: c.index, text: check.emit, tokenId, logprob, ...(alternatives ? { alternatives } : {}) };
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
