/**
 * The engine in the calling thread: one loaded model, one request at a time (the KV cache is shared state).
 * Between requests it prepares the next window slide in the background, a small chunk at a time.
 */
import { errorMessage } from '../common/error-message.js';
import { inspectContextWith } from './context-view.js';
import { GenerationAbortedError } from './errors.js';
import { generateWith, prefillWith, prepareGuessedWindow, prepareNextWindow } from './generate.js';
import { loadModel, type LoadedModel } from './model/load-model.js';
import { TextScoring } from './score.js';
import type {
  ContextView,
  Engine,
  EngineInfo,
  EngineLoadOptions,
  GenerateRequest,
  GenerationEvent,
  PrefillRequest,
  PrefillResult,
  ScoreRequest,
  ScoreResult,
} from './types.js';

/** Tokens prefilled per background chunk: a request arriving meanwhile waits for one chunk at most. */
const IDLE_CHUNK_TOKENS = 32;
/** Quiet time after a request before background work starts: the writer's next request often follows at once. */
const IDLE_DELAY_MS = 200;

export class LocalEngine implements Engine {
  /** Requests run one after another; a new one waits until the previous has released the decoder. */
  #tail: Promise<void> = Promise.resolve();
  /** Requests waiting for the decoder: background work yields to them. */
  #waiting = 0;
  /** The text of the last request, whose next window slide the background work prepares. */
  #lastText: PrefillRequest | null = null;
  /**
   * A warm-up left undone because it would have slid the window off the writer's text (keepWindow): the text Tab
   * would leave. Until the next request the background work prepares its window in the spare cache instead, so
   * that Tab finds it there, while the writer's own window stays as it was in case they type on.
   */
  #guess: PrefillRequest | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #idleRun: Promise<void> | null = null;
  #closed = false;

  readonly #model: LoadedModel;

  private constructor(model: LoadedModel) {
    this.#model = model;
  }

  static async load(options: EngineLoadOptions): Promise<LocalEngine> {
    return new LocalEngine(await loadModel(options));
  }

  async info(): Promise<EngineInfo> {
    return this.#model.info;
  }

  async countTokens(text: string): Promise<number> {
    return this.#model.encode(text).length;
  }

  /** Waits for the decoder, then holds it until `release` is called. */
  async #acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  /**
   * A request's turn: it waits for the decoder (background work gives way), and schedules background work after,
   * for its text or, for a warm-up left undone (`guessed`), for that guess.
   */
  async #request(text: PrefillRequest): Promise<(guessed?: boolean) => void> {
    const done = await this.#turn();
    return (guessed = false) => {
      const kept = { memory: text.memory, note: text.note, lorebook: text.lorebook, context: text.context, maxTokens: text.maxTokens };
      if (guessed) this.#guess = kept;
      else {
        this.#lastText = kept;
        this.#guess = null;
      }
      done();
    };
  }

  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    const done = await this.#request(request);
    try {
      yield* generateWith(this.#model, request, signal);
    } finally {
      done();
    }
  }

  async prefill(request: PrefillRequest): Promise<PrefillResult> {
    const done = await this.#request(request);
    let skipped = false;
    try {
      const result = await prefillWith(this.#model, request);
      skipped = result.skipped === true;
      return result;
    } finally {
      done(skipped);
    }
  }

  /**
   * Scores a text one chunk at a time, each chunk a turn of its own: a generation that asks meanwhile waits for
   * one chunk at most, then goes first. The yield to the event loop after each chunk lets a request that arrived
   * by message (the engine host) queue up before the next chunk takes its turn.
   */
  async score(request: ScoreRequest, signal?: AbortSignal): Promise<ScoreResult> {
    const scoring = new TextScoring(this.#model, request);
    while (!scoring.done) {
      if (signal?.aborted) throw new GenerationAbortedError('scoring');
      const done = await this.#turn();
      try {
        if (!signal?.aborted) await scoring.step();
      } finally {
        done();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return scoring.result();
  }

  /** Waits its turn like a request (background work gives way) but leaves the text to prepare for as it was. */
  async inspectContext(request: PrefillRequest): Promise<ContextView> {
    const done = await this.#turn();
    try {
      return inspectContextWith(this.#model, request);
    } finally {
      done();
    }
  }

  /** A turn with the decoder that, unlike a request's, does not change the text the background work prepares for. */
  async #turn(): Promise<() => void> {
    this.#waiting += 1;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    const release = await this.#acquire();
    this.#waiting -= 1;
    return () => {
      release();
      this.#scheduleIdle();
    };
  }

  #scheduleIdle(delayMs = IDLE_DELAY_MS): void {
    if (this.#closed || this.#idleTimer || !this.#model.decoder.prepareSpare) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      this.#idleRun = this.#idleStep().finally(() => (this.#idleRun = null));
    }, delayMs);
  }

  /** One chunk of background work, unless a request is waiting; reschedules itself while there is more. */
  async #idleStep(): Promise<void> {
    if (this.#waiting > 0 || this.#closed || !this.#lastText) return;
    const release = await this.#acquire();
    let more = false;
    try {
      if (this.#waiting === 0 && !this.#closed)
        more = this.#guess
          ? await prepareGuessedWindow(this.#model, this.#guess, IDLE_CHUNK_TOKENS)
          : await prepareNextWindow(this.#model, this.#lastText, IDLE_CHUNK_TOKENS);
    } catch (error) {
      console.warn(`kaituhi: preparing the next window failed: ${errorMessage(error)}`);
    } finally {
      release();
    }
    if (more && this.#waiting === 0) this.#scheduleIdle(0);
  }

  /** Resolves when no background work is scheduled or running (tests and benchmarks wait for it). */
  async idle(): Promise<void> {
    while (this.#idleTimer || this.#idleRun) {
      if (this.#idleRun) await this.#idleRun;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    await this.#tail;
    await this.#model.release();
  }
}

export function loadEngine(options: EngineLoadOptions): Promise<Engine> {
  return LocalEngine.load(options);
}
