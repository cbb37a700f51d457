/**
 * One generation request: context assembly, prefix-cached prefill, then N candidates decoded as one batch.
 * Finished candidates leave the batch, so the rest stop paying for them. Cancellation is checked between
 * steps; the decoder's cache stays consistent whatever step a request is cancelled at.
 */
import { GENERATION_LIMITS } from '../common/generation.js';
import { assembleContext, placementSuffixStart, type AssembledContext } from './context-window.js';
import { BanList } from './bans.js';
import { CandidateRun, type Outcome, type Steering } from './candidate.js';
import { DryPenalty } from './dry.js';
import { joiningScores } from './joining.js';
import { keepLoreState, loreStateOf, type LoreState } from './lore-activation.js';
import type { LoadedModel } from './model/load-model.js';
import { PhraseBias } from './phrase-bias.js';
import { reusablePrefix } from './runtime/decoder.js';
import { createRng, randomSeed } from './sampling.js';
import { tokenTexts } from './token-texts.js';
import { holdWindowHead } from './window-head.js';
import type { GenerateRequest, GenerationEvent, PrefillRequest, PrefillResult } from './types.js';

type DoneEvent = Extract<GenerationEvent, { type: 'done' }>;

/**
 * Room kept free for the continuation when the window must slide. Inline suggestions and continuations ask
 * for different lengths; sliding as if each asked for at least this many tokens makes them all choose the
 * same start on a long document, so switching between them keeps the prefix cache (a cold 1000-token
 * prefill costs seconds on a CPU). A text that fits whole is used whole: it starts at 0 for every request.
 */
export const WINDOW_RESERVE = 128;

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

/** What of a request places its window: the story context and the text, and the room the continuation needs. */
type WindowRequest = Pick<GenerateRequest, 'memory' | 'note' | 'lorebook' | 'context' | 'maxTokens'>;

/**
 * How the window is placed for a request: the one assembly (context-window.ts) of memory, active lore, the note and
 * as much of the text as the window allows, with the lore activation the engine last committed. A model trained
 * with a marker at the start of every text (uer's Chinese GPT-2: [CLS]) keeps one position free for it.
 */
function placeWindow(model: LoadedModel, request: WindowRequest, storyStart?: AssembledContext): AssembledContext {
  const window = model.decoder.contextWindow - (model.tokenizer.startTokenId === null ? 0 : 1);
  const place = (reserve: number): AssembledContext =>
    assembleContext({
      memory: request.memory,
      note: request.note,
      lorebook: request.lorebook,
      loreState: loreStateOf(model),
      text: request.context,
      encode: model.encode,
      window,
      reserve,
      ...(storyStart ? { storyStart: { chars: storyStart.droppedChars, tokens: storyStart.droppedTokens } } : {}),
    });
  const whole = place(request.maxTokens);
  return whole.leftOut.length === 0 ? whole : place(Math.max(request.maxTokens, WINDOW_RESERVE));
}

/** The tokens the model sees for a request, and the assembly they come from. */
export interface PromptContext {
  readonly assembled: AssembledContext;
  /** The start marker, or <|endoftext|> for an empty page: one token before the assembled ones, or null. */
  readonly lead: number | null;
  readonly tokens: number[];
}

/**
 * The tokens the model sees for a request. The start marker goes first wherever the window holds the start of its
 * first part, as in training. Reads the lore activation without changing it (the inspector and the background
 * slide look; a request that runs keeps its activation with keepLoreState).
 */
export function promptContext(model: LoadedModel, request: WindowRequest): PromptContext {
  const assembled = placeWindow(model, request);
  const start = model.tokenizer.startTokenId;
  if (start !== null && assembled.startsWhole) return { assembled, lead: start, tokens: [start, ...assembled.tokens] };
  // GPT-2 was trained with <|endoftext|> between documents, so it is the natural start of an empty page.
  if (assembled.tokens.length === 0) {
    const empty = model.eosTokenId ?? 0;
    return { assembled, lead: empty, tokens: [empty] };
  }
  return { assembled, lead: null, tokens: assembled.tokens };
}

/** The prompt a request runs on; the lore activation it saw becomes the engine's (hysteresis for the next request). */
function runningPrompt(model: LoadedModel, request: WindowRequest): PromptContext {
  const prompt = promptContext(model, request);
  keepLoreState(model, prompt.assembled.loreState);
  return prompt;
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
    // The new window's tokens over the text as it is now: its memory and lore as predicted, then the story from
    // its new start up to where the writer is (the last word may still change as they type).
    const over = placeWindow(model, { ...request, context: text }, next);
    const known = next.tokens.slice(0, storyIndex(next)).concat(over.tokens.slice(storyIndex(over)));
    let n = 0;
    while (n < known.length && n < next.tokens.length && known[n] === next.tokens[n]) n++;
    return n >= MIN_PREPARED_TOKENS ? { prefix: next.tokens.slice(0, n), charsToSlide: grow } : null;
  }
  return null;
}

/** Where the story (and the note inside it) begins among an assembly's tokens: after memory and lore. */
function storyIndex(assembled: AssembledContext): number {
  return assembled.memoryTokens + assembled.budget.lore;
}

/** The last prediction per model: the text only changes at the end between two requests, the search is not free. */
const predictions = new WeakMap<LoadedModel, { key: PrefillRequest; lore: LoreState; next: NextWindow | null }>();

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
    memo &&
    memo.key.context === request.context &&
    memo.key.memory === request.memory &&
    memo.key.note === request.note &&
    memo.key.lorebook === request.lorebook &&
    memo.key.maxTokens === request.maxTokens &&
    memo.lore === loreStateOf(model);
  if (!memo || !same) {
    memo = { key: request, lore: loreStateOf(model), next: nextWindow(model, request) };
    predictions.set(model, memo);
  }
  if (memo.next === null) return false;
  const minNewTokens = memo.next.charsToSlide <= SLIDE_IMMINENT_CHARS ? 1 : BACKGROUND_BATCH_TOKENS;
  return !(await model.decoder.prepareSpare(memo.next.prefix, maxNewTokens, minNewTokens));
}

/** The tokens of the last guessed window per model, so that each background chunk does not assemble it again. */
const guesses = new WeakMap<LoadedModel, { key: PrefillRequest; tokens: number[] }>();

/**
 * Background work for a warm-up that prefillWith left undone because it would have slid the window (keepWindow):
 * prefills that slid window into the spare context, at most `maxNewTokens` at a time, so that the request for the
 * same text (Tab, after the writer read the ghost) is swapped onto it instead of reading the whole window again.
 * The active context, the writer's own window, is not touched. Returns true while there is more to do now.
 */
export async function prepareGuessedWindow(model: LoadedModel, request: PrefillRequest, maxNewTokens: number): Promise<boolean> {
  if (!model.decoder.prepareSpare) return false;
  let memo = guesses.get(model);
  if (memo?.key !== request) {
    // Assembled as the request for this text will be, without keeping its lore activation: it is only a guess.
    memo = { key: request, tokens: promptContext(model, request).tokens };
    guesses.set(model, memo);
  }
  return !(await model.decoder.prepareSpare(memo.tokens, maxNewTokens));
}

/** The last tokens of a cached text that a longer text may tokenize differently (a word cut at the cache's end). */
const CACHE_END_TOKENS = 4;

/** Whether caching `tokens` would throw away the cached context: its window starts elsewhere (a slide). */
function movesWindow(cached: readonly number[], tokens: readonly number[]): boolean {
  return cached.length > 0 && reusablePrefix(cached, tokens) < cached.length - CACHE_END_TOKENS;
}

/**
 * Fills the prefix cache for a text without generating: when a draft opens, the first suggestion then
 * costs only the words typed since, not a cold prefill of the whole window (seconds on a CPU).
 */
export async function prefillWith(model: LoadedModel, request: PrefillRequest): Promise<PrefillResult> {
  const started = performance.now();
  checkMaxTokens(request.maxTokens, model.decoder.contextWindow);
  const prompt = runningPrompt(model, request);
  const { tokens } = prompt;
  if (request.keepWindow && movesWindow(model.decoder.cachedTokens, tokens)) {
    return { contextTokens: tokens.length, reusedTokens: 0, prefillMs: performance.now() - started, skipped: true };
  }
  const { reused } = await model.decoder.setContext(tokens);
  holdWindowHead(model, prompt);
  return { contextTokens: tokens.length, reusedTokens: reused, prefillMs: performance.now() - started };
}

export async function* generateWith(model: LoadedModel, request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
  const started = performance.now();
  const { decoder, tokenizer } = model;
  const window = decoder.contextWindow;
  validateRequest(request, window);
  // Compiled before any work: a bad regular expression fails the request with its reason.
  const steering: Steering = {
    request,
    tokenizer,
    eosTokenId: model.eosTokenId,
    dry: DryPenalty.create(request.sampler.dry, model.encode),
    bias: PhraseBias.create(request.bias, model.encode, (id) => tokenTexts(tokenizer)[id] ?? ''),
    bans: BanList.create(request.bans, request.banRegexes),
    topAlternatives: request.topAlternatives ?? 0,
  };
  const prompt = runningPrompt(model, request);
  const { tokens } = prompt;

  const { logits: promptLogits, reused } = await decoder.setContext(tokens);
  holdWindowHead(model, prompt);
  const prefillDone = performance.now();
  const seed = request.sampler.seed ?? randomSeed();
  const V = decoder.vocabSize;
  const candidates = Array.from(
    { length: request.candidates },
    (_, index) => new CandidateRun(index, createRng(candidateSeed(seed, index)), tokens, steering),
  );
  let active = candidates;
  let logits: Float32Array = new Float32Array(V * active.length);
  for (let i = 0; i < active.length; i++) logits.set(promptLogits.subarray(0, V), i * V);
  decoder.startGeneration(active.length, request.maxTokens);

  let firstTokenAt = 0;
  let steps = 0;
  let generated = 0;
  // With text after the cursor, every candidate's done waits for the joining scores, computed once all have ended.
  const joining = request.after !== undefined && request.after.length > 0;
  const finished: DoneEvent[] = [];
  const ended = function* (done: DoneEvent): Generator<GenerationEvent> {
    if (joining) finished.push(done);
    else yield done;
  };
  /** One token for a candidate from its row of logits: the events to stream, and whether it goes on. */
  const advance = function* (c: CandidateRun, row: Float32Array): Generator<GenerationEvent, Outcome['kind']> {
    const { events, outcome } = c.accept(c.choose(row));
    generated++;
    if (firstTokenAt === 0) firstTokenAt = performance.now();
    // A caller that reads only the final texts (ghost text) gets no token events (candidate.ts leaves them out):
    // they would cross two process boundaries one by one for nothing.
    yield* events;
    if (outcome.kind === 'done') yield* ended(outcome.done);
    return outcome.kind;
  };

  // A candidate that a ban rolled back cannot stay in the batch, which decodes its candidates in step: it goes on
  // alone afterwards, its tokens so far appended to the cached context.
  const alone: CandidateRun[] = [];
  while (active.length > 0) {
    if (signal?.aborted) break;
    const still: CandidateRun[] = [];
    for (let row = 0; row < active.length; row++) {
      const c = active[row]!;
      const kind = yield* advance(c, logits.subarray(row * V, (row + 1) * V));
      if (kind === 'continue') still.push(c);
      else if (kind === 'rollback') alone.push(c);
    }
    if (still.length === 0) {
      active = [];
      break;
    }
    if (still.length < active.length) decoder.keepCandidates(still.map((c) => active.indexOf(c)));
    active = still;
    if (signal?.aborted) break;
    logits = await decoder.step(active.map((c) => c.generated.at(-1)!));
    steps++;
  }
  for (const c of alone) {
    for (;;) {
      if (signal?.aborted) {
        active.push(c);
        break;
      }
      const { logits: row } = await decoder.setContext([...tokens, ...c.generated]);
      steps++;
      if ((yield* advance(c, row)) === 'done') break;
    }
  }
  for (const c of active) {
    const { events, done } = c.abort();
    yield* events;
    yield* ended(done);
  }

  const decodeEnded = performance.now();
  const decodeMs = decodeEnded - prefillDone;
  if (joining) {
    // Candidates that went on alone left their tokens in the context cache: the context alone comes back first.
    if (alone.length > 0 && !signal?.aborted) await decoder.setContext(tokens);
    const scores = signal?.aborted
      ? []
      : await joiningScores(
          model,
          tokens.length,
          promptLogits,
          finished.map((d) => d.text),
          request.after!,
        );
    for (const [i, done] of finished.entries()) {
      const score = scores[i];
      yield typeof score === 'number' ? { ...done, joiningScore: score } : done;
    }
  }
  const joiningMs = joining ? { joiningMs: performance.now() - decodeEnded } : {};
  yield {
    type: 'stats',
    promptTokens: tokens.length,
    reusedTokens: reused,
    prefillMs: prefillDone - started,
    firstTokenMs: (firstTokenAt || decodeEnded) - started,
    decodeMs,
    generatedTokens: generated,
    tokensPerSecond: steps > 0 ? (steps * 1000) / decodeMs : 0,
    contextTokens: tokens.length,
    contextWindow: window,
    ...joiningMs,
  };
}
