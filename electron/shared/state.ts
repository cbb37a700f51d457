/**
 * What the services tell the renderer about themselves: the engine, the settings, the model store. Plain
 * data, pushed when it changes and returned by the calls that read it.
 */
import type { Precision } from '../common/generation.js';
import type { Settings } from '../common/settings.js';
import type { EngineFailure, EngineFailureKind, EngineInfo } from '../engine/types.js';
import type { ModelUse } from '../store/catalog.js';
import type { StoreErrorCode, StoreErrorInfo } from '../store/errors.js';
import type { RecommendationReason } from '../store/recommend.js';

export type { EngineFailure, EngineFailureKind, ModelUse, RecommendationReason, StoreErrorCode, StoreErrorInfo };

/** Where the engine is in its life; the status bar and the notices read this. */
export type EngineStatus = 'no-model' | 'loading' | 'ready' | 'failed' | 'restarting';

export interface EngineState {
  readonly status: EngineStatus;
  readonly modelDir: string | null;
  readonly info: EngineInfo | null;
  /**
   * Human words (English) for the logs, the CLI and the completions API: why there is no model, why loading failed,
   * why the engine restarted. The interface builds its own words from the fields below.
   */
  readonly message: string | null;
  /** How many times the engine host died and came back in this launch. */
  readonly restarts: number;
  /** Why this computer's engine is 'failed'; null in any other status, and for a server (see `remote`). */
  readonly failure?: EngineFailure | null;
  /** While 'restarting': in how many whole seconds the engine starts again (as of this state); null otherwise. */
  readonly restartInSeconds?: number | null;
  /**
   * Set when the engine is a server (Settings → Engine → A server): `status` is then 'loading' while it is
   * first reached, 'ready' while it answers, 'failed' while it is down or refusing; `modelDir` and `info` are null.
   */
  readonly remote?: RemoteEngineStatus | null;
}

/** What could be wrong with a server engine: not reached, answering slowly, or answering with errors. */
export type RemoteProblem = 'unreachable' | 'slow' | 'refused';

export interface RemoteEngineStatus {
  /** The server's base URL as the writer gave it (never with the key). */
  readonly url: string;
  /** The model the server said it serves; null until it has said. */
  readonly model: string | null;
  /** The model's window in tokens, when the server says (vLLM, llama.cpp and `kaituhi serve` do). */
  readonly contextWindow: number | null;
  /** Milliseconds to the first token of the last suggestion (or to the last health check's answer). */
  readonly latencyMs: number | null;
  readonly problem: RemoteProblem | null;
  /** The server's or the network's own words about the problem, for the notice. */
  readonly detail: string | null;
}

export interface SettingsState {
  readonly settings: Settings;
  /** Where the settings live, shown in the panel so the writer can find the file. */
  readonly location: string;
  /** Set when the file on disk was unreadable and defaults were used instead. */
  readonly notice: SettingsNotice | null;
}

/** Why the settings file was not used: it could not be read, or it was not valid settings. */
export type SettingsProblem = 'unreadable' | 'damaged';

/** What the interface words in the writer's language: the problem as a code, the reader's or validator's own words. */
export interface SettingsNotice {
  readonly problem: SettingsProblem;
  /** The file system's or the validator's words ("EACCES: permission denied…", "sampler.temperature: Too big…"). */
  readonly detail: string;
  /** Where a damaged file was set aside; null when it was not (or could not be) moved. */
  readonly keptAs: string | null;
}

export type AppMode = 'electron' | 'server';

export interface AppSnapshot {
  readonly mode: AppMode;
  readonly version: string;
  readonly engine: EngineState;
  readonly settings: SettingsState;
}

// ---- the model store as the renderer sees it ----

export interface InstalledModelSummary {
  readonly id: string;
  readonly name: string;
  readonly format: 'onnx' | 'checkpoint';
  readonly precisions: readonly Precision[];
  readonly sizeBytes: number;
  readonly source: 'download' | 'import';
  readonly active: boolean;
  /** Measured on this machine once, after the model first loaded; null until then. */
  readonly benchmark: { readonly tokensPerSecond: number; readonly device: string } | null;
}

export type DownloadStage = 'resolving' | 'downloading' | 'verifying' | 'installing' | 'paused' | 'failed' | 'done';

export interface DownloadState {
  readonly variantId: string;
  readonly name: string;
  readonly stage: DownloadStage;
  readonly bytes: number;
  readonly total: number;
  readonly bytesPerSecond: number;
  readonly etaSeconds: number | null;
  /** Set when stage is 'failed': why, as a code the interface words, with the store's own sentence as the detail. */
  readonly error: StoreErrorInfo | null;
  /**
   * It failed because files differ from this machine's first download of the same commit: downloadModel with
   * `acceptChangedFiles` takes them anyway, once the writer confirms.
   */
  readonly filesChanged: boolean;
}

/** How a download may proceed. */
export interface DownloadOptions {
  /** The writer confirmed files that differ from this machine's first download (DownloadState.filesChanged). */
  readonly acceptChangedFiles?: boolean;
}

export type ImportStage = 'copying' | 'checking' | 'failed';

export interface ImportState {
  readonly from: string;
  readonly stage: ImportStage;
  readonly bytes: number;
  readonly total: number;
  /** Set when stage is 'failed', as for a download. */
  readonly error: StoreErrorInfo | null;
}

export interface ModelsState {
  readonly models: readonly InstalledModelSummary[];
  /** The download in progress, paused, or just failed; null when none. */
  readonly download: DownloadState | null;
  readonly importing: ImportState | null;
  /** How a folder is imported here: Electron's dialog, or a folder under the server's import root. */
  readonly importBy: 'dialog' | 'import-root' | 'none';
  /** The store's folder, shown so the writer knows where the bytes go. */
  readonly location: string;
}

export interface ModelChoice {
  readonly variantId: string;
  readonly name: string;
  readonly format: 'onnx' | 'checkpoint';
  readonly precision: Precision;
  readonly downloadBytes: number;
  /** False when the size is the catalog's estimate (the hub gives the exact one when the download starts). */
  readonly downloadBytesExact: boolean;
  /** What it writes best: English prose, modern or classical Chinese, poems…; null when the catalog does not say. */
  readonly goodFor: ModelUse | null;
}

export interface MachineSummary {
  readonly totalMemoryBytes: number;
  readonly freeDiskBytes: number;
  readonly hasGpu: boolean;
}

/** The first-run picker's content: what suits this machine, and why. */
export interface ModelOffer {
  readonly machine: MachineSummary;
  readonly recommended: ModelChoice | null;
  /** Why it suits this machine (and this writer); null when nothing fits. */
  readonly reason: RecommendationReason | null;
  readonly alternatives: readonly ModelChoice[];
}
