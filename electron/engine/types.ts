/**
 * The engine's public types: what the app, the server mode, the command line and the tests share. Requests
 * (generate, prefill, sampler) are defined with their schemas in electron/common/generation.ts.
 */
import type { GenerateRequest, Precision, PrefillRequest, ScoreRequest } from '../common/generation.js';

export type { GenerateRequest, Precision, PrefillRequest, SamplerSettings, ScoreRequest, StopAt } from '../common/generation.js';
export { DEFAULT_SAMPLER } from '../common/generation.js';

export interface PrefillResult {
  readonly contextTokens: number;
  readonly reusedTokens: number;
  readonly prefillMs: number;
  /** A `keepWindow` prefill left undone: the text would have slid the window. */
  readonly skipped?: boolean;
}

export type StopReason = 'eos' | 'length' | 'stop-string' | 'sentence' | 'phrase' | 'paragraph' | 'aborted';

export interface GeneratedToken {
  readonly candidate: number;
  /** Text that became complete with this token (never half a UTF-8 character; may be ''). */
  readonly text: string;
  readonly tokenId: number;
  /** Natural log of the token's probability under the final (post-sampler) distribution. */
  readonly logprob: number;
  /** The alternatives at this token's position, when the request asked for `topAlternatives` > 0. */
  readonly alternatives?: TokenAlternatives;
}

/** A token the model considered at a position, with its log-probability there. */
export interface TokenAlternative {
  readonly tokenId: number;
  /** The token's text on its own ('\uFFFD' where it holds only part of a UTF-8 character). */
  readonly text: string;
  readonly logprob: number;
}

/**
 * What the model thought at one generated token's position, taken from the same forward pass that produced the
 * token (no second pass). The distribution is the exact log-softmax of the logits sampling saw: after the
 * repetition penalty, the n-gram ban, DRY, phrase bias and banned tokens, before temperature and the top-k /
 * top-p / min-p / typical filters. So the chosen token may be missing from `top` (it was sampled from the tail)
 * and its `logprob` differs from the event's own, which is under the final, filtered distribution.
 */
export interface TokenAlternatives {
  readonly tokenId: number;
  /** The chosen token's own text, as the stream decoder gave it ('' while a UTF-8 character is incomplete). */
  readonly text: string;
  /** Where that text starts in the candidate's text (the `done` event's), in UTF-16 code units. */
  readonly offset: number;
  /** The chosen token's log-probability in this distribution. */
  readonly logprob: number;
  /** The `topAlternatives` likeliest tokens, likeliest first (ties: lower id first). */
  readonly top: readonly TokenAlternative[];
}

/** One token of a scored text: how likely the model found it, given everything before it. */
export interface ScoredToken {
  readonly tokenId: number;
  /** The token's own text ('' while a UTF-8 character is incomplete: the next token's text holds it). */
  readonly text: string;
  /** Where that text starts in the scored text, in UTF-16 code units. */
  readonly offset: number;
  /** The model's raw log-probability of the token (log-softmax of its logits: no sampler, no penalty). */
  readonly logprob: number;
  /** 1 for the model's likeliest token: one more than the number of tokens it found likelier. */
  readonly rank: number;
  /** With `topAlternatives` > 0: the likeliest tokens at this position, likeliest first (ties: lower id first). */
  readonly top?: readonly TokenAlternative[];
}

export interface ScoreResult {
  readonly tokens: readonly ScoredToken[];
  /** exp of the mean negative log-probability of the tokens; null for a text without tokens. */
  readonly perplexity: number | null;
  readonly stats: {
    /** Context tokens (memory, a start marker, the preceding text) the text's first token read. */
    readonly contextTokens: number;
    /** Tokens whose K/V came from the prefix cache in the first run. */
    readonly reusedTokens: number;
    /** Windows the text was read in: a long text slides the window, each token reading as much as fits. */
    readonly windows: number;
    /** Runs of the model, each at most SCORE_CHUNK_TOKENS new positions; a generation may run between two. */
    readonly chunks: number;
    readonly scoreMs: number;
  };
}

export interface GenerationStats {
  readonly promptTokens: number;
  /** Prompt tokens whose K/V came from the prefix cache. */
  readonly reusedTokens: number;
  readonly prefillMs: number;
  readonly firstTokenMs: number;
  readonly decodeMs: number;
  readonly generatedTokens: number;
  readonly tokensPerSecond: number;
  /** Positions of the model's window the context used. */
  readonly contextTokens: number;
  readonly contextWindow: number;
  /** With `after`: the time the joining scores took, after decoding (not part of decodeMs). */
  readonly joiningMs?: number;
}

/** Where a token of the window comes from. 'start': the start marker ([CLS]), or <|endoftext|> on an empty page. */
export type ContextSourceName = 'start' | 'memory' | 'lore' | 'note' | 'story';

export interface ContextViewSegment {
  readonly source: ContextSourceName;
  /** Lore only: the entry's id, and its title (its first key when it has none). */
  readonly entryId?: string;
  readonly title?: string;
  readonly text: string;
  readonly tokenIds: readonly number[];
  /** Each token's text as it completes (a character split across tokens shows on its last token). */
  readonly pieces: readonly string[];
}

export interface ContextLeftOut {
  readonly source: 'memory' | 'lore' | 'note' | 'story';
  readonly entryId?: string;
  readonly title?: string;
  /** 'over-budget': it did not fit its share of the window; 'before-window': story text before the window's start. */
  readonly reason: 'over-budget' | 'before-window';
  readonly tokens: number;
  /** The story only: characters cut before tokenizing. */
  readonly chars?: number;
}

/**
 * The window of the next request as the engine will assemble it (the same assembly, not a second one): what the
 * context inspector and `kaituhi generate --show-context` show.
 */
export interface ContextView {
  readonly contextWindow: number;
  readonly segments: readonly ContextViewSegment[];
  /** Window positions by use; `reserved` is kept free for the continuation. */
  readonly budget: {
    readonly start: number;
    readonly memory: number;
    readonly lore: number;
    readonly note: number;
    readonly story: number;
    readonly reserved: number;
  };
  readonly leftOut: readonly ContextLeftOut[];
  readonly promptTokens: number;
  /** Leading tokens whose K/V the engine holds already; the rest it will compute again. */
  readonly reusedTokens: number;
  /**
   * Set when the first token to compute again is where memory or lore is, or was, while the engine holds a window:
   * memory 'edited' or 'removed', a lore entry 'edited', 'entered' (it comes into the window) or 'left' (its key
   * went out of reach, or it was disabled or deleted: `title` is the one it had in the window). The next suggestion
   * re-reads everything after that point.
   */
  readonly rereadFrom:
    | { readonly source: 'memory'; readonly change: 'edited' | 'removed' }
    | { readonly source: 'lore'; readonly entryId: string; readonly title: string; readonly change: 'edited' | 'entered' | 'left' }
    | null;
}

export type GenerationEvent =
  | ({ readonly type: 'token' } & GeneratedToken)
  | {
      readonly type: 'done';
      readonly candidate: number;
      readonly reason: StopReason;
      readonly text: string;
      /**
       * With `stream: false` and `topAlternatives` > 0: the alternatives of every token of `text`, in order (a
       * streamed request has them on its token events instead).
       */
      readonly tokens?: readonly TokenAlternatives[];
      /**
       * With `after`: log P(the first `joiningTokens` tokens of `after` | the context, then this candidate's text),
       * natural log, from the model's raw logits. Higher is a better fit with the text after the cursor; all
       * candidates read the same tokens, so the scores compare directly. Absent when `after` has no tokens or the
       * generation was aborted. A request with `after` sends every `done` after the last candidate has finished.
       */
      readonly joiningScore?: number;
    }
  | ({ readonly type: 'stats' } & GenerationStats);

export interface EngineInfo {
  readonly modelDir: string;
  readonly modelName: string;
  readonly format: 'checkpoint' | 'onnx';
  readonly precision: Precision;
  /** Execution provider in use: 'cuda', 'dml', 'coreml', 'webgpu' or 'cpu'. */
  readonly device: string;
  /** Why a more capable device was not used, when it was tried and failed. */
  readonly fallbackReason: string | null;
  /**
   * 'kaituhi': Kaituhi's fast graph (built from a checkpoint, or from an export's weights); 'as-exported': an
   * export's own graph, which copies its whole cache every step (several times slower).
   */
  readonly graph: 'kaituhi' | 'as-exported';
  /** Why an export runs as exported: what kept its weights off the fast graph. Null on the fast graph. */
  readonly graphFallbackReason: string | null;
  readonly contextWindow: number;
  readonly vocabSize: number;
  readonly layers: number;
  readonly loadMs: number;
}

/**
 * What every caller of the engine sees, whether it runs in this thread (tests, CLI) or in an engine host
 * (a child process under Node, a utilityProcess under Electron). `electron/engine/index.ts` exports
 * `startEngineHost(options): Promise<EngineHost>` and `loadEngine(options): Promise<Engine>`.
 */
/**
 * A model served by another program over OpenAI's completions API (llama.cpp's server, vLLM, TGI, KoboldCpp, another
 * `kaituhi serve`): what that server says about it. The services' remote engine implements `Engine` with it.
 */
export interface RemoteEngineInfo {
  readonly kind: 'remote';
  /** The API's base URL, e.g. http://gpu-box:8080/v1. */
  readonly url: string;
  readonly modelName: string;
  /** The model's window in tokens, when the server says; null otherwise. */
  readonly contextWindow: number | null;
}

export interface Engine {
  /** What runs: a model loaded here, or one a server runs. */
  info(): Promise<EngineInfo | RemoteEngineInfo>;
  /** Streams events; ends after a `done` for every candidate and one `stats`. Aborting ends it with reason 'aborted'. */
  generate(request: GenerateRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent>;
  /** Token count of a text (for the memory / window indicators). */
  countTokens(text: string): Promise<number>;
  /** Fills the prefix cache for a text (a draft just opened) so the next suggestion starts warm. */
  prefill(request: PrefillRequest): Promise<PrefillResult>;
  /**
   * Every token of a text with its log-probability and rank, read with the running context the model sees. Runs
   * in chunks and gives the engine back between them, so a generation asked for meanwhile goes first; aborting
   * ends it between chunks with a GenerationAbortedError. Reuses the prefix cache, and leaves the text in it.
   */
  score(request: ScoreRequest, signal?: AbortSignal): Promise<ScoreResult>;
  /** The window a request for this text would run on, and what of it the cache holds; changes nothing. */
  inspectContext(request: PrefillRequest): Promise<ContextView>;
  close(): Promise<void>;
}

export interface EngineLoadOptions {
  modelDir: string;
  /** For checkpoints: which precision the graph builder emits. For ONNX exports: which variant file to prefer. */
  precision?: Precision;
  /** Execution providers to try, most capable first. Default: the platform's GPU provider, then 'cpu'. */
  devices?: readonly string[];
  /** Where built graphs are cached (keyed by the weights' SHA-256). Default: the app's per-user cache (graph-cache.ts). */
  cacheDir?: string;
  /**
   * ONNX exports only. 'auto' (default): Kaituhi's graph built from the export's weights, the export's own graph
   * when they cannot be mapped. 'as-exported': the export's own graph, to compare against.
   */
  graph?: 'auto' | 'as-exported';
  threads?: number;
}

/**
 * Why the engine is down, each with its own way on: the model could not be loaded (the loader says why: choose
 * another model), the host died while loading the model (it is never loaded again by itself: choose another
 * model), or the host kept dying and was left stopped (restarting the engine tries once more).
 */
export type EngineFailureKind = 'load-failed' | 'died-loading' | 'crashed-repeatedly';

export interface EngineFailure {
  readonly kind: EngineFailureKind;
  /** The loader's own words, or how the host last died ("engine host killed by SIGKILL"). */
  readonly detail: string;
}

export type EngineHostEvent =
  /** The host died; it is started again after `restartInMs`. */
  | { readonly type: 'crashed'; readonly reason: string; readonly restartInMs: number }
  | { readonly type: 'restarted'; readonly reason: string }
  /**
   * The host died too often, or died reloading its model, or its model no longer loads: it stays down until
   * another model is loaded. `reason` says so in a sentence; `failure` is the same for a program to act on.
   */
  | { readonly type: 'gave-up'; readonly reason: string; readonly failure: EngineFailure };

export interface EngineHost extends Engine {
  info(): Promise<EngineInfo>;
  /** Called when the host process/thread died and was restarted (the next request works again). */
  onEvent(listener: (event: EngineHostEvent) => void): () => void;
  /** Kills the host as a crash would (tests and the "restart engine" command). */
  kill(): void;
  /** Loads another model into the same host: after a failed load, or when the writer picks another model. */
  reload(options: EngineLoadOptions): Promise<EngineInfo>;
}
