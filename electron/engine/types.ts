/**
 * The engine's public types: what the app, the server mode, the command line and the tests share. Requests
 * (generate, prefill, sampler) are defined with their schemas in electron/common/generation.ts.
 */
import type { GenerateRequest, Precision, PrefillRequest } from '../common/generation.js';

export type { GenerateRequest, Precision, PrefillRequest, SamplerSettings, StopAt } from '../common/generation.js';
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
}

export type GenerationEvent =
  | ({ readonly type: 'token' } & GeneratedToken)
  | { readonly type: 'done'; readonly candidate: number; readonly reason: StopReason; readonly text: string }
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
export interface Engine {
  info(): Promise<EngineInfo>;
  /** Streams events; ends after a `done` for every candidate and one `stats`. Aborting ends it with reason 'aborted'. */
  generate(request: GenerateRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent>;
  /** Token count of a text (for the memory / window indicators). */
  countTokens(text: string): Promise<number>;
  /** Fills the prefix cache for a text (a draft just opened) so the next suggestion starts warm. */
  prefill(request: PrefillRequest): Promise<PrefillResult>;
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

export type EngineHostEvent =
  /** The host died; it is started again after `restartInMs`. */
  | { readonly type: 'crashed'; readonly reason: string; readonly restartInMs: number }
  | { readonly type: 'restarted'; readonly reason: string }
  /** The host died too often, or died reloading its model: it stays down until another model is loaded. */
  | { readonly type: 'gave-up'; readonly reason: string };

export interface EngineHost extends Engine {
  /** Called when the host process/thread died and was restarted (the next request works again). */
  onEvent(listener: (event: EngineHostEvent) => void): () => void;
  /** Kills the host as a crash would (tests and the "restart engine" command). */
  kill(): void;
  /** Loads another model into the same host: after a failed load, or when the writer picks another model. */
  reload(options: EngineLoadOptions): Promise<EngineInfo>;
}
