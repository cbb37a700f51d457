import type { AppMode, AppSnapshot, ModelsState, SettingsState } from '../shared/api.js';
import type { EngineSettings, Settings } from '../common/settings.js';
import { EngineSupervisor, type RemoteEngineChoice } from './engine-supervisor.js';
import type { RemoteLinkTiming } from './remote-engine/remote-link.js';
import { SettingsStore } from './settings-store.js';
import { DraftsService, type DraftsServiceOptions } from './drafts-service.js';
import { dirname } from 'node:path';
import { ModelChoices, type ModelChoicesOptions } from './model-choices.js';
import { GenerationSlots } from './client-limits.js';
import { storyRequestFields, type AuthorNote, type Lorebook } from '../common/lore.js';
import { CacheWarmer } from './cache-warmer.js';

export interface AppServicesOptions extends ModelChoicesOptions {
  /** Drafts: this launch's library folder, Electron's PDF printer and save dialog, test timers. */
  drafts?: Omit<DraftsServiceOptions, 'userDataDir' | 'onDraftOpened'>;
  mode: AppMode;
  version: string;
  /** Electron opens links in the system browser; server mode has no such power and leaves it undefined. */
  openExternal?: (url: string) => Promise<void>;
  /** How often a server engine is checked and retried (tests shorten it). */
  remoteTiming?: RemoteLinkTiming;
}

/** The server the engine settings name, or null for this computer. */
function remoteChoice(engine: EngineSettings): RemoteEngineChoice | null {
  return engine.source === 'remote' ? { url: engine.url, apiKey: engine.apiKey, model: engine.model } : null;
}

function sameChoice(a: RemoteEngineChoice | null, b: RemoteEngineChoice | null): boolean {
  return a === b || (a !== null && b !== null && a.url === b.url && a.apiKey === b.apiKey && a.model === b.model);
}

export const SERVER_MODEL_FOLDER_REFUSED =
  'In server mode a model folder cannot be typed in: use the Models panel to pick an installed model, ' +
  'or to import a folder from inside the import folder (`kaituhi serve --import-root DIR`).';

/**
 * The service objects both transports call (Electron IPC and the server's WebSocket), built and torn down
 * in dependency order: settings first (they name the model), then the engine.
 */
export class AppServices {
  readonly settings: SettingsStore;
  readonly engine: EngineSupervisor;
  readonly drafts: DraftsService;
  /** The model store, and which model the engine runs: launch flag, settings folder or the store's choice. */
  readonly models: ModelChoices;
  /** Generations across every window or page, so that no number of them can queue the engine without end. */
  readonly generationSlots = new GenerationSlots();
  /** The editor's cache warm-ups (the ghost text on screen, ahead of Tab): one running, at most one waiting. */
  readonly cacheWarmer = new CacheWarmer(() => this.engine.engine);
  readonly #settingsListeners = new Set<(state: SettingsState) => void>();

  constructor(readonly options: AppServicesOptions) {
    this.settings = new SettingsStore(options.settingsFile);
    this.engine = new EngineSupervisor(options.startEngineHost, options.engineOptions, options.remoteTiming);
    this.models = new ModelChoices({
      options,
      engine: this.engine,
      settings: () => this.settings.state.settings,
      saveSettings: (settings) => this.saveSettings(settings),
    });
    // Drafts share the settings' folder (user data), so the desktop app and `kaituhi serve` share one library.
    this.drafts = new DraftsService({
      ...options.drafts,
      userDataDir: dirname(options.settingsFile),
      onDraftOpened: (opened) => this.#warmEngine(opened),
    });
  }

  /**
   * Best effort: fills the engine's prefix cache with an opened draft, placing the window as an inline
   * suggestion will. A failure here only means the first suggestion starts cold.
   */
  #warmEngine(opened: { textBeforeCursor: string; memory: string; note: AuthorNote; lorebook: Lorebook }): void {
    const engine = this.engine.engine;
    if (!engine) return;
    const maxTokens = this.settings.state.settings.inline.maxTokens;
    // The same story fields the editor's requests carry, so the warm window is the one they will ask for.
    engine.prefill({ context: opened.textBeforeCursor, ...storyRequestFields(opened), maxTokens }).catch(() => undefined);
  }

  get mode(): AppMode {
    return this.options.mode;
  }

  /** Loads settings, then the model; resolves once the model is loaded or has failed. */
  async boot(): Promise<void> {
    await this.bootWithoutModel();
    await this.startEngine();
  }

  /** Settings and drafts: all the editor needs. The model comes after (startEngine), however long it takes. */
  async bootWithoutModel(): Promise<void> {
    await this.loadSettings();
    await this.drafts.boot();
  }

  /** Reads the settings file once (a second read would lose the notice about a damaged file). */
  loadSettings(): Promise<SettingsState> {
    return this.settings.load();
  }

  /**
   * Loads the model the launch flags or the settings name, or reaches the server they name; never throws (failures
   * become engine state).
   */
  async startEngine(): Promise<void> {
    const remote = remoteChoice(this.settings.state.settings.engine);
    if (remote) await this.engine.useRemote(remote);
    await this.models.start();
  }

  async shutdown(): Promise<void> {
    // Drafts first: a writer's unsaved text matters more than a clean engine exit.
    await this.drafts.shutdown();
    await this.models.close();
    await this.engine.close();
  }

  snapshot(): AppSnapshot {
    return { mode: this.options.mode, version: this.options.version, engine: this.engine.state, settings: this.settings.state };
  }

  async saveSettings(settings: Settings): Promise<SettingsState> {
    const previous = this.settings.state.settings;
    // A path typed into a browser page could name any folder on the disk (and loading one writes into it).
    // The page may keep the saved folder or clear it; new models come from the Models panel.
    if (this.mode === 'server' && settings.modelDir !== null && settings.modelDir !== previous.modelDir) {
      throw new Error(SERVER_MODEL_FOLDER_REFUSED);
    }
    const state = await this.settings.save(settings);
    for (const listener of this.#settingsListeners) listener(state);
    if (settings.modelDir !== previous.modelDir) void this.models.settingsFolderChanged();
    const remote = remoteChoice(settings.engine);
    if (!sameChoice(remote, remoteChoice(previous.engine))) void this.engine.useRemote(remote);
    return state;
  }

  onModels(listener: (state: ModelsState) => void): () => void {
    return this.models.onState(listener);
  }

  onSettings(listener: (state: SettingsState) => void): () => void {
    this.#settingsListeners.add(listener);
    return () => this.#settingsListeners.delete(listener);
  }
}
