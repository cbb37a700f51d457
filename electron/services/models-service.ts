/**
 * The model store as the app uses it: the installed list, one download at a time with its progress, imports,
 * and the first-run offer. It publishes a `ModelsState` for the renderer; which model the engine runs is
 * decided by ModelChoices (model-choices.ts), which listens for `onInstalled` and asks `activeModel()`.
 */
import {
  findVariant,
  ModelStore,
  toErrorInfo,
  variantDownloadSize,
  type Catalog,
  type DeepModelCheck,
  type DownloadHandle,
  type InstalledModel,
  type MachineProfile,
  type WriterLanguage,
} from '../store/index.js';
import type {
  DownloadOptions,
  DownloadState,
  ImportSource,
  ImportState,
  InstalledModelSummary,
  ModelChoice,
  ModelOffer,
  ModelsState,
} from '../shared/api.js';
import type { EngineInfo } from '../engine/types.js';
import { listImportFolders, resolveImportFolder } from './import-root.js';

export interface ModelsServiceOptions {
  /** The store's folder: <userData>/models. */
  readonly root: string;
  /** Tests inject a catalog that matches the files their local hub serves. Default: models/catalog.json. */
  readonly catalog?: Catalog;
  /** Default: $HF_ENDPOINT, else https://huggingface.co. */
  readonly endpoint?: string;
  /** The engine's full check of an imported folder: load it, then close it. */
  readonly deepCheck?: DeepModelCheck;
  /** Electron's folder dialog. */
  readonly chooseFolder?: () => Promise<string | null>;
  /** Server mode's one folder that imports may come from (see import-root.ts). */
  readonly importRoot?: string | null;
  readonly onWarning?: (message: string) => void;
}

export class ModelsService {
  #state: ModelsState;
  #download: DownloadHandle | null = null;
  readonly #listeners = new Set<(state: ModelsState) => void>();
  readonly #installedListeners = new Set<(model: InstalledModel) => void>();

  readonly #options: ModelsServiceOptions;

  private constructor(
    readonly store: ModelStore,
    options: ModelsServiceOptions,
  ) {
    this.#options = options;
    const importBy = options.chooseFolder ? 'dialog' : options.importRoot ? 'import-root' : 'none';
    this.#state = { models: [], download: null, importing: null, importBy, location: store.root };
  }

  static async open(options: ModelsServiceOptions): Promise<ModelsService> {
    const store = await ModelStore.open({
      root: options.root,
      ...(options.catalog ? { catalog: options.catalog } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.deepCheck ? { deepCheck: options.deepCheck } : {}),
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    const service = new ModelsService(store, options);
    await service.refresh();
    await service.#offerInterruptedDownload();
    return service;
  }

  get state(): ModelsState {
    return this.#state;
  }

  onState(listener: (state: ModelsState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A download or an import finished installing a model. */
  onInstalled(listener: (model: InstalledModel) => void): () => void {
    this.#installedListeners.add(listener);
    return () => this.#installedListeners.delete(listener);
  }

  async refresh(): Promise<ModelsState> {
    const models = await this.store.list();
    this.#publish({ models: models.map(summarise) });
    return this.#state;
  }

  async activeModel(): Promise<InstalledModel | null> {
    return this.store.getActive();
  }

  /** The installed model living in `dir`, if the engine's folder is one of ours. */
  async modelAt(dir: string): Promise<InstalledModel | null> {
    return (await this.store.list()).find((model) => model.dir === dir) ?? null;
  }

  async offer(gather: (freeDiskBytes: number) => Promise<MachineProfile>, language: WriterLanguage = 'en'): Promise<ModelOffer> {
    const machine = await gather(await this.store.freeDiskBytes());
    const recommendation = this.store.recommend(machine, language);
    const choice = (variantId: string): ModelChoice | null => this.#choice(variantId);
    const summary = { totalMemoryBytes: machine.totalMemoryBytes, freeDiskBytes: machine.freeDiskBytes, hasGpu: machine.hasGpu };
    if (recommendation === null) {
      return {
        machine: summary,
        recommended: null,
        reason: null,
        alternatives: [],
      };
    }
    return {
      machine: summary,
      recommended: choice(recommendation.variantId),
      reason: recommendation.reason,
      alternatives: recommendation.alternatives.map(choice).filter((c): c is ModelChoice => c !== null),
    };
  }

  /** Starts (or resumes) a download; resolves once it is under way. One download at a time keeps the bar honest. */
  async download(variantId: string, options: DownloadOptions = {}): Promise<void> {
    const current = this.#state.download;
    if (this.#download !== null && current !== null && current.variantId !== variantId) {
      throw new Error(`${current.name} is downloading; pause or cancel it first.`);
    }
    if (this.#download !== null) return;
    const ref = findVariant(this.store.catalog, variantId);
    if (ref === null) throw new Error(`"${variantId}" is not in the model catalog.`);
    const handle = this.store.download(variantId, options);
    this.#download = handle;
    const name = variantName(ref.model.name, ref.variant.precision);
    const total = this.#state.download?.variantId === variantId ? this.#state.download.total : variantDownloadSize(ref.variant).bytes;
    this.#setDownload({
      variantId,
      name,
      stage: 'resolving',
      bytes: this.#state.download?.bytes ?? 0,
      total,
      bytesPerSecond: 0,
      etaSeconds: null,
      error: null,
      filesChanged: false,
    });
    const unsubscribe = handle.onEvent((event) => {
      if (event.type !== 'progress' || this.#download !== handle) return;
      const p = event.progress;
      this.#setDownload({
        variantId,
        name,
        stage: p.phase,
        bytes: p.bytes,
        total: p.total,
        bytesPerSecond: p.bytesPerSecond,
        etaSeconds: p.etaSeconds,
        error: null,
        filesChanged: false,
      });
    });
    handle.done.then(
      async (model) => {
        unsubscribe();
        if (this.#download === handle) this.#download = null;
        this.#setDownload({
          ...this.#state.download!,
          stage: 'done',
          bytes: model.sizeBytes,
          total: model.sizeBytes,
          etaSeconds: 0,
          error: null,
          filesChanged: false,
        });
        await this.refresh();
        for (const listener of this.#installedListeners) listener(model);
      },
      (error: unknown) => {
        unsubscribe();
        if (this.#download === handle) this.#download = null;
        const info = toErrorInfo(error);
        const last = this.#state.download;
        if (info.code === 'cancelled' || last === null) this.#setDownload(null);
        else if (info.code === 'paused') this.#setDownload({ ...last, stage: 'paused', bytesPerSecond: 0, etaSeconds: null });
        else
          this.#setDownload({
            ...last,
            stage: 'failed',
            bytesPerSecond: 0,
            etaSeconds: null,
            error: info,
            filesChanged: info.code === 'files-changed',
          });
      },
    );
  }

  pauseDownload(): void {
    const download = this.#state.download;
    if (download !== null) this.store.pause(download.variantId);
  }

  /** Stops the download and removes its partial files, running or paused. */
  async cancelDownload(): Promise<void> {
    const download = this.#state.download;
    if (download === null) return;
    await this.store.cancel(download.variantId);
    this.#download = null;
    this.#setDownload(null);
  }

  async setActive(id: string): Promise<InstalledModel> {
    await this.store.setActive(id);
    this.#forgetFinishedDownload();
    await this.refresh();
    const model = await this.store.get(id);
    if (model === null) throw new Error(`No installed model "${id}".`);
    return model;
  }

  async delete(id: string): Promise<void> {
    await this.store.delete(id);
    this.#forgetFinishedDownload();
    await this.refresh();
  }

  async listImportFolders(): Promise<string[]> {
    const root = this.#options.importRoot;
    return root ? listImportFolders(root) : [];
  }

  /** Copies a folder into the store (checked by the engine first). Resolves false when the writer cancelled the dialog. */
  async importFrom(source: ImportSource): Promise<boolean> {
    const dir = await this.#importFolder(source);
    if (dir === null) return false;
    if (this.#state.importing !== null && this.#state.importing.stage !== 'failed') throw new Error('An import is already running.');
    let importing: ImportState = { from: dir, stage: 'copying', bytes: 0, total: 0, error: null };
    this.#publish({ importing });
    try {
      const model = await this.store.importFolder(dir, {
        onProgress: ({ bytes, total }) => {
          // After the last byte is copied the engine checks (and for a checkpoint, converts) the model.
          importing = { ...importing, bytes, total, stage: bytes >= total ? 'checking' : 'copying' };
          this.#publish({ importing });
        },
      });
      this.#publish({ importing: null });
      await this.refresh();
      for (const listener of this.#installedListeners) listener(model);
      return true;
    } catch (error) {
      this.#publish({ importing: { ...importing, stage: 'failed', error: toErrorInfo(error) } });
      throw error;
    }
  }

  async recordBenchmark(model: InstalledModel, info: EngineInfo, tokensPerSecond: number): Promise<void> {
    await this.store.recordBenchmark(model.id, { tokensPerSecond, device: info.device, precision: info.precision });
    await this.refresh();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#installedListeners.clear();
    await this.store.close();
  }

  async #importFolder(source: ImportSource): Promise<string | null> {
    if (source.by === 'dialog') {
      if (!this.#options.chooseFolder)
        throw new Error('There is no folder dialog here; in server mode, import from the folder given by --import-root.');
      return this.#options.chooseFolder();
    }
    const root = this.#options.importRoot;
    if (!root) throw new Error('No import folder is configured; start `kaituhi serve` with --import-root DIR.');
    return resolveImportFolder(root, source.folder);
  }

  /** A download paused or cut off in an earlier launch shows as paused, ready to resume. */
  async #offerInterruptedDownload(): Promise<void> {
    const pending = (await this.store.pendingDownloads()).find((download) => !download.running);
    if (pending === undefined) return;
    const ref = findVariant(this.store.catalog, pending.variantId);
    if (ref === null) return;
    const name = variantName(ref.model.name, ref.variant.precision);
    this.#setDownload({
      variantId: pending.variantId,
      name,
      stage: 'paused',
      bytes: pending.bytes,
      total: pending.total,
      bytesPerSecond: 0,
      etaSeconds: null,
      error: null,
      filesChanged: false,
    });
  }

  #choice(variantId: string): ModelChoice | null {
    const ref = findVariant(this.store.catalog, variantId);
    if (ref === null) return null;
    const size = variantDownloadSize(ref.variant);
    return {
      variantId,
      name: variantName(ref.model.name, ref.variant.precision),
      format: ref.variant.format,
      precision: ref.variant.precision,
      downloadBytes: size.bytes,
      downloadBytesExact: size.exact,
      goodFor: ref.model.goodFor ?? null,
    };
  }

  /** "Model ready" belongs to the download until the writer picks or deletes a model; then it would mislead. */
  #forgetFinishedDownload(): void {
    if (this.#state.download?.stage === 'done') this.#setDownload(null);
  }

  #setDownload(download: DownloadState | null): void {
    this.#publish({ download });
  }

  #publish(change: Partial<ModelsState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of this.#listeners) listener(this.#state);
  }
}

function variantName(modelName: string, precision: string): string {
  return `${modelName} · ${precision}`;
}

function summarise(model: InstalledModel): InstalledModelSummary {
  return {
    id: model.id,
    name: model.name,
    format: model.format,
    precisions: model.precisions,
    sizeBytes: model.sizeBytes,
    source: model.source.kind === 'import' ? 'import' : 'download',
    active: model.active,
    benchmark: model.benchmark ? { tokensPerSecond: model.benchmark.tokensPerSecond, device: model.benchmark.device } : null,
  };
}
