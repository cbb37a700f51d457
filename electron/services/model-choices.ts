/**
 * Which model the engine runs, and the model store behind the Models panel. The order is: a `--model DIR`
 * launch flag (until the writer picks another), then a folder chosen in Settings, then the store's active
 * model. Once a model has loaded, its speed on this machine is measured once and kept in the store.
 */
import { dirname, join } from 'node:path';
import type { DownloadOptions, EngineState, ImportSource, ModelOffer, ModelsState, UiLanguage } from '../shared/api.js';
import type { Settings } from '../common/settings.js';
import type { EngineLoadOptions } from '../engine/types.js';
import type { Catalog, InstalledModel } from '../store/index.js';
import type { EngineSupervisor, StartEngineHost } from './engine-supervisor.js';
import { gatherMachineProfile } from './machine-profile.js';
import { measureTokensPerSecond } from './model-benchmark.js';
import { ModelsService } from './models-service.js';
import { errorMessage } from '../common/error-message.js';

/** The launch's choices about models (AppServicesOptions carries them). */
export interface ModelChoicesOptions {
  /** The settings file; the store lives in `models/` beside it unless `modelsRoot` says otherwise. */
  settingsFile: string;
  /** `--model DIR`: wins over the saved setting for this launch, until the writer picks another in Settings. */
  modelDirOverride?: string | null;
  startEngineHost: StartEngineHost;
  engineOptions?: Omit<EngineLoadOptions, 'modelDir'>;
  /** Electron's folder dialog; server mode has none (the browser cannot hand us a folder path). */
  chooseFolder?: () => Promise<string | null>;
  /** The model store's folder. Default: `models/` next to the settings file, in the user-data folder. */
  modelsRoot?: string;
  /** Tests inject a catalog matching their local hub's files. Default: models/catalog.json. */
  catalog?: Catalog;
  /** Server mode: the one folder imports may come from (`kaituhi serve --import-root DIR`). */
  importRoot?: string | null;
}

export interface ModelChoicesDeps {
  readonly options: ModelChoicesOptions;
  readonly engine: EngineSupervisor;
  readonly settings: () => Settings;
  readonly saveSettings: (settings: Settings) => Promise<unknown>;
}

export class ModelChoices {
  #service: Promise<ModelsService> | null = null;
  #override: string | null;
  readonly #listeners = new Set<(state: ModelsState) => void>();
  /** Models measured (or being measured) in this launch: once is enough. */
  readonly #benchmarked = new Set<string>();
  readonly #unsubscribeEngine: () => void;

  readonly #deps: ModelChoicesDeps;

  constructor(deps: ModelChoicesDeps) {
    this.#deps = deps;
    this.#override = deps.options.modelDirOverride ?? null;
    this.#unsubscribeEngine = deps.engine.onState((state) => void this.#benchmarkOnce(state));
  }

  /** The store service, opened once (the window may ask before the engine has started). */
  service(): Promise<ModelsService> {
    this.#service ??= this.#open();
    return this.#service;
  }

  onState(listener: (state: ModelsState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the store, then loads the chosen model; never throws (failures become engine state). */
  async start(): Promise<void> {
    await this.service().catch((error: unknown) => console.warn(`kaituhi: the model store could not open: ${errorMessage(error)}`));
    await this.#loadChosen();
  }

  /** The writer changed the model folder in Settings: that choice wins over the launch flag from now on. */
  settingsFolderChanged(): Promise<void> {
    this.#override = null;
    return this.#loadChosen();
  }

  async getState(): Promise<ModelsState> {
    return (await this.service()).state;
  }

  async offer(language: UiLanguage): Promise<ModelOffer> {
    const service = await this.service();
    return service.offer(
      (freeDiskBytes) => gatherMachineProfile({ engineInfo: this.#deps.engine.state.info, freeDiskBytes }),
      language === 'zh-CN' ? 'zh' : 'en',
    );
  }

  async download(variantId: string, options: DownloadOptions = {}): Promise<void> {
    await (await this.service()).download(variantId, options);
  }

  async pauseDownload(): Promise<void> {
    (await this.service()).pauseDownload();
  }

  async cancelDownload(): Promise<void> {
    await (await this.service()).cancelDownload();
  }

  /** The writer chose a model in the Models panel: it becomes the one the engine runs, now and next launch. */
  async setActive(id: string): Promise<void> {
    const model = await (await this.service()).setActive(id);
    this.#override = null;
    const settings = this.#deps.settings();
    // A folder in Settings would win over the store's choice; the writer just said otherwise.
    if (settings.modelDir !== null) await this.#deps.saveSettings({ ...settings, modelDir: null });
    void this.#deps.engine.use(model.dir);
  }

  async delete(id: string): Promise<void> {
    const service = await this.service();
    const model = await service.store.get(id);
    // Unload first: the engine holds the files open (Windows would refuse the delete).
    if (model !== null && this.#deps.engine.state.modelDir === model.dir) await this.#deps.engine.use(null);
    await service.delete(id);
    await this.#loadChosen();
  }

  async listImportFolders(): Promise<readonly string[]> {
    return (await this.service()).listImportFolders();
  }

  async importModel(from: ImportSource): Promise<void> {
    await (await this.service()).importFrom(from);
  }

  async close(): Promise<void> {
    this.#unsubscribeEngine();
    this.#listeners.clear();
    const service = await this.#service?.catch(() => null);
    await service?.close();
  }

  async #open(): Promise<ModelsService> {
    const { options } = this.#deps;
    const service = await ModelsService.open({
      root: options.modelsRoot ?? join(dirname(options.settingsFile), 'models'),
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(options.chooseFolder ? { chooseFolder: options.chooseFolder } : {}),
      importRoot: options.importRoot ?? null,
      // The engine's own check of an imported folder: it must load (a checkpoint is converted on the way).
      deepCheck: async (dir) => {
        const host = await options.startEngineHost({ ...options.engineOptions, modelDir: dir });
        await host.close();
      },
      onWarning: (message) => console.warn(`kaituhi: ${message}`),
    });
    service.onState((state) => {
      for (const listener of this.#listeners) listener(state);
    });
    service.onInstalled((model) => void this.#installed(service, model));
    return service;
  }

  /** A fresh model is put to use when nothing else is: the first-run download ends in "model ready". */
  async #installed(service: ModelsService, model: InstalledModel): Promise<void> {
    if ((await service.activeModel()) !== null) return;
    // Straight to the store: ModelsService.setActive would clear the "Model ready" the writer is waiting for.
    await service.store.setActive(model.id);
    await service.refresh();
    const status = this.#deps.engine.state.status;
    if (status === 'no-model' || status === 'failed') await this.#loadChosen();
  }

  async #chosenDir(): Promise<string | null> {
    if (this.#override !== null) return this.#override;
    const fromSettings = this.#deps.settings().modelDir;
    if (fromSettings !== null) return fromSettings;
    const service = await this.service().catch(() => null);
    return (await service?.activeModel())?.dir ?? null;
  }

  async #loadChosen(): Promise<void> {
    await this.#deps.engine.use(await this.#chosenDir());
  }

  async #benchmarkOnce(state: EngineState): Promise<void> {
    if (state.status !== 'ready' || state.info === null || state.modelDir === null) return;
    try {
      const service = await this.service();
      const model = await service.modelAt(state.modelDir);
      if (model === null || this.#benchmarked.has(model.id)) return;
      if (model.benchmark !== null && model.benchmark.device === state.info.device) return;
      this.#benchmarked.add(model.id);
      const engine = this.#deps.engine.engine;
      if (engine === null) return;
      const tokensPerSecond = await measureTokensPerSecond(engine);
      // The writer may have switched models while it ran; the figure belongs to the one measured.
      if (tokensPerSecond !== null && this.#deps.engine.state.modelDir === model.dir)
        await service.recordBenchmark(model, state.info, tokensPerSecond);
    } catch (error) {
      console.warn(`kaituhi: could not measure the model's speed: ${errorMessage(error)}`);
    }
  }
}
