/**
 * The one API between the renderer and the services behind it. Two transports carry it unchanged:
 * the preload bridge (Electron IPC) and a WebSocket (server mode). Both speak the same messages, and
 * every message is validated on the receiving side of a process boundary (see validators.ts).
 *
 * The renderer imports this file with `import type` only.
 */
import type { EngineInfo, GenerateRequest, GenerationEvent, GenerationStats } from '../engine/types.js';
import type { Settings } from './settings.js';
import type { DraftPush, DraftsApi, DraftsCall, DraftsResults } from './drafts-api.js';

export type { EngineInfo, GenerateRequest, GenerationEvent, GenerationStats, SamplerSettings, StopAt } from '../engine/types.js';
export type { Settings, InlineSettings, ContinuationSettings, InlineLength, ThemeName } from './settings.js';

/** Where the engine is in its life; the status bar and the notices read this. */
export type EngineStatus = 'no-model' | 'loading' | 'ready' | 'failed' | 'restarting';

export interface EngineState {
  readonly status: EngineStatus;
  readonly modelDir: string | null;
  readonly info: EngineInfo | null;
  /** Human words for the writer: why there is no model, why loading failed, why the engine restarted. */
  readonly message: string | null;
  /** How many times the engine host died and came back in this launch. */
  readonly restarts: number;
}

export interface SettingsState {
  readonly settings: Settings;
  /** Where the settings live, shown in the panel so the writer can find the file. */
  readonly location: string;
  /** Set when the file on disk was unreadable and defaults were used instead. */
  readonly notice: string | null;
}

export type AppMode = 'electron' | 'server';

export interface AppSnapshot {
  readonly mode: AppMode;
  readonly version: string;
  readonly engine: EngineState;
  readonly settings: SettingsState;
}

/** Request/response calls. Streaming generation has its own messages below. */
export type ApiCall =
  /** Drafts (issue 4): see drafts-api.ts. */
  | DraftsCall
  | { readonly method: 'getSnapshot' }
  | { readonly method: 'saveSettings'; readonly settings: Settings }
  | { readonly method: 'countTokens'; readonly text: string }
  | { readonly method: 'restartEngine' }
  | { readonly method: 'openExternal'; readonly url: string }
  /** Electron only: main shows the folder dialog, so the path comes from the writer's own choice. */
  | { readonly method: 'chooseModelFolder' }
  | ModelsApiCall;

export type ApiMethod = ApiCall['method'];

export interface ApiResults extends DraftsResults {
  getSnapshot: AppSnapshot;
  saveSettings: SettingsState;
  countTokens: number;
  restartEngine: null;
  openExternal: null;
  chooseModelFolder: string | null;
  // ---- models (issue 5) ----
  getModels: ModelsState;
  getModelOffer: ModelOffer;
  downloadModel: null;
  pauseDownload: null;
  cancelDownload: null;
  setActiveModel: null;
  deleteModel: null;
  listImportFolders: readonly string[];
  importModel: null;
  // ---- end models ----
}

/** Renderer → services. `id`s are chosen by the renderer and unique per connection. */
export type ClientMessage =
  | { readonly type: 'call'; readonly id: number; readonly call: ApiCall }
  | { readonly type: 'generate'; readonly id: number; readonly request: GenerateRequest }
  | { readonly type: 'cancel'; readonly id: number };

/** Services → renderer. */
export type ServerMessage =
  /** Drafts (issue 4): saves, failures, outside changes, a new library folder. */
  | { readonly type: 'draft'; readonly event: DraftPush }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: ApiResults[ApiMethod] }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly type: 'generation'; readonly id: number; readonly event: GenerationEvent }
  /** Always the last message of a generation; `error` when it failed rather than finished or was cancelled. */
  | { readonly type: 'generation-end'; readonly id: number; readonly error: string | null }
  | { readonly type: 'engine'; readonly state: EngineState }
  | { readonly type: 'settings'; readonly state: SettingsState }
  | { readonly type: 'models'; readonly state: ModelsState };

/** How a generation ended, as the renderer sees it. */
export interface GenerationOutcome {
  readonly texts: readonly string[];
  readonly stats: GenerationStats | null;
  readonly cancelled: boolean;
  readonly error: string | null;
}

export interface GenerationHandle {
  readonly finished: Promise<GenerationOutcome>;
  /** Stops the engine between steps; `finished` then resolves with `cancelled: true`. */
  cancel(): void;
}

/** The typed API the renderer programs against, whichever transport carries it. */
export interface KaituhiApi {
  /** Drafts (issue 4): the library, the open draft, snapshots, export. */
  readonly drafts: DraftsApi;
  onDraftEvent(listener: (event: DraftPush) => void): () => void;
  getSnapshot(): Promise<AppSnapshot>;
  saveSettings(settings: Settings): Promise<SettingsState>;
  countTokens(text: string): Promise<number>;
  restartEngine(): Promise<void>;
  openExternal(url: string): Promise<void>;
  /** Resolves to the chosen folder, or null when the writer cancelled. */
  chooseModelFolder(): Promise<string | null>;
  generate(request: GenerateRequest, onEvent?: (event: GenerationEvent) => void): GenerationHandle;
  onEngineState(listener: (state: EngineState) => void): () => void;
  onSettings(listener: (state: SettingsState) => void): () => void;
  // ---- models (issue 5) ----
  getModels(): Promise<ModelsState>;
  getModelOffer(): Promise<ModelOffer>;
  /** Starts or resumes the download of a catalog variant; progress arrives through onModels. */
  downloadModel(variantId: string, options?: DownloadOptions): Promise<void>;
  pauseDownload(): Promise<void>;
  cancelDownload(): Promise<void>;
  setActiveModel(id: string): Promise<void>;
  deleteModel(id: string): Promise<void>;
  /** Server mode: the folders under the configured import root (`kaituhi serve --import-root DIR`). */
  listImportFolders(): Promise<readonly string[]>;
  importModel(from: ImportSource): Promise<void>;
  onModels(listener: (state: ModelsState) => void): () => void;
  // ---- end models ----
}

// ---- models (issue 5): the model store as the renderer sees it ----

export type ModelPrecision = 'fp32' | 'fp16' | 'int8' | 'q4';

export interface InstalledModelSummary {
  readonly id: string;
  readonly name: string;
  readonly format: 'onnx' | 'checkpoint';
  readonly precisions: readonly ModelPrecision[];
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
  /** Set when stage is 'failed': what went wrong, in words for the writer. */
  readonly error: string | null;
  /**
   * It failed because files differ from this machine's first download of the same commit: downloadModel with
   * `acceptChangedFiles` takes them anyway, once the writer confirms.
   */
  readonly filesChanged: boolean;
}

export type ImportStage = 'copying' | 'checking' | 'failed';

export interface ImportState {
  readonly from: string;
  readonly stage: ImportStage;
  readonly bytes: number;
  readonly total: number;
  readonly error: string | null;
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
  readonly precision: ModelPrecision;
  readonly downloadBytes: number;
  /** False when the size is the catalog's estimate (the hub gives the exact one when the download starts). */
  readonly downloadBytesExact: boolean;
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
  readonly reason: string;
  readonly alternatives: readonly ModelChoice[];
}

export interface DownloadOptions {
  /** The writer confirmed files that differ from this machine's first download (DownloadState.filesChanged). */
  readonly acceptChangedFiles?: boolean;
}

export type ImportSource = { readonly by: 'dialog' } | { readonly by: 'import-root'; readonly folder: string };

export type ModelsApiCall =
  | { readonly method: 'getModels' }
  | { readonly method: 'getModelOffer' }
  | { readonly method: 'downloadModel'; readonly variantId: string; readonly acceptChangedFiles?: true }
  | { readonly method: 'pauseDownload' }
  | { readonly method: 'cancelDownload' }
  | { readonly method: 'setActiveModel'; readonly id: string }
  | { readonly method: 'deleteModel'; readonly id: string }
  | { readonly method: 'listImportFolders' }
  | { readonly method: 'importModel'; readonly from: ImportSource };

// ---- end models ----

/**
 * What the preload script puts on `window.kaituhi`: one message channel, nothing else.
 * The renderer builds `KaituhiApi` on top of it, exactly as it does on a WebSocket.
 */
export interface KaituhiBridge {
  send(message: ClientMessage): void;
  onMessage(listener: (message: ServerMessage) => void): () => void;
}

/** The single IPC channel name; main listens on nothing else from the renderer. */
export const IPC_CHANNEL = 'kaituhi:message';
/** The WebSocket path in server mode. */
export const WEBSOCKET_PATH = '/api';
/** Query parameter and cookie that carry the server-mode token. */
export const TOKEN_PARAM = 'token';
