/**
 * The one API between the renderer and the services behind it. Two transports carry it unchanged:
 * the preload bridge (Electron IPC) and a WebSocket (server mode). Both speak the messages below, and
 * every message is validated on the receiving side of a process boundary (see validators.ts).
 *
 * The calls are declared in calls/ (one table per domain); this file derives the messages and the typed
 * API the renderer programs against. The renderer imports this file with `import type` only.
 */
import type { GenerateRequest } from '../common/generation.js';
import type { GenerationEvent, GenerationStats, TokenAlternatives } from '../engine/types.js';
import type { ApiMethod, ApiCall, ApiResults, AppApi, DraftsApi, ModelsApi } from './calls/index.js';
import type { DraftPush } from './drafts-api.js';
import type { EngineState, ModelsState, SettingsState } from './state.js';

export type { ApiCall, ApiMethod, ApiResults, AppApi, DraftsApi, DraftsCall, DraftsMethod, ModelsApi } from './calls/index.js';
export type { DraftExportOptions } from './calls/drafts.js';
export type { ImportSource } from './calls/models.js';
export type * from './state.js';
export type * from './drafts-api.js';
export type {
  ContextLeftOut,
  ContextView,
  ContextViewSegment,
  EngineInfo,
  GenerationEvent,
  GenerationStats,
  ScoreResult,
  ScoredToken,
  TokenAlternative,
  TokenAlternatives,
} from '../engine/types.js';
export type {
  GenerateRequest,
  PrefillRequest,
  Precision,
  Precision as ModelPrecision,
  SamplerSettings,
  StopAt,
} from '../common/generation.js';
export type {
  Settings,
  InlineSettings,
  ContinuationSettings,
  InlineLength,
  ThemeName,
  UiLanguage,
  LanguagePreference,
} from '../common/settings.js';

/** Renderer → services. `id`s are chosen by the renderer and unique per connection. */
export type ClientMessage =
  | { readonly type: 'call'; readonly id: number; readonly call: ApiCall }
  | { readonly type: 'generate'; readonly id: number; readonly request: GenerateRequest }
  | { readonly type: 'cancel'; readonly id: number };

/** Services → renderer. */
export type ServerMessage =
  /** Drafts: saves, failures, outside changes, a new library folder, menu commands. */
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
  /** Per candidate, each token's alternatives when the request asked for `topAlternatives` (else empty). */
  readonly tokens: readonly (readonly TokenAlternatives[])[];
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
  /** Settings, the engine, links, the snapshot a window starts from. */
  readonly app: AppApi;
  /** The library, the open draft, snapshots, export. */
  readonly drafts: DraftsApi;
  /** The model store: installed models, downloads, imports. */
  readonly models: ModelsApi;
  /** Streams candidates as they are decoded (unless the request asks for final texts only). */
  generate(request: GenerateRequest, onEvent?: (event: GenerationEvent) => void): GenerationHandle;
  onDraftEvent(listener: (event: DraftPush) => void): () => void;
  onEngineState(listener: (state: EngineState) => void): () => void;
  onSettings(listener: (state: SettingsState) => void): () => void;
  onModels(listener: (state: ModelsState) => void): () => void;
}

/**
 * What the preload script puts on `window.kaituhi`: one message channel, nothing else.
 * The renderer builds `KaituhiApi` on top of it, exactly as it does on a WebSocket.
 */
export interface KaituhiBridge {
  send(message: ClientMessage): void;
  onMessage(listener: (message: ServerMessage) => void): () => void;
}

export { IPC_CHANNEL, TOKEN_PARAM, WEBSOCKET_PATH } from '../common/transport.js';
