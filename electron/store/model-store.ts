/**
 * The model store service: what the app, server mode and the CLI call. Plain Node; the UI sees it through the
 * API in electron/shared. One instance per store folder is the norm, but downloads are shared per folder and
 * variant across instances in the process, so a second caller joins the first instead of writing the same files.
 *
 * Why one file of ~470 lines: it is the store's one public class, a thin layer of short methods over the parts that
 * already live apart (download-job.ts, store-state.ts, install.ts, validate-folder.ts, catalog.ts); the download
 * bookkeeping it keeps (#forward, #handle, #forget) is shared by download, resume, pause and cancel.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { readJsonValidated } from '../disk/json-file.js';
import { findVariant, loadCatalog, type Catalog } from './catalog.js';
import { defaultStatfs, ensureFreeSpace, freeBytes, type StatFsFn } from './disk.js';
import {
  DownloadJob,
  PARTIAL_FILES_DIR,
  readPartialState,
  type DownloadDeps,
  type DownloadEvent,
  type DownloadOptions,
} from './download-job.js';
import { StoreError } from './errors.js';
import type { ModelFormat } from './formats.js';
import { hubEndpoint, mayReceiveHubToken, type FetchFn } from './hub.js';
import { installStaged, moveToTrash } from './install.js';
import { fileIn, installedDir, MANIFEST_FILE, partialDir, storeLayout, type StoreLayout } from './layout.js';
import { ManifestSchema, type Manifest } from './manifest.js';
import type { DownloadProgress } from './progress.js';
import { recommendModel, type MachineProfile, type Recommendation, type WriterLanguage } from './recommend.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { StoreStateFile, trustKey, type Benchmark } from './store-state.js';
import { validateModelFolder, type DeepModelCheck } from './validate-folder.js';
import type { Precision } from '../engine/types.js';

export interface ModelStoreOptions {
  /** The store's folder, e.g. <userData>/models. Created when missing. */
  readonly root: string;
  /** Default: models/catalog.json shipped with the app. */
  readonly catalog?: Catalog;
  /** Default: $HF_ENDPOINT, else https://huggingface.co. */
  readonly endpoint?: string;
  /** For gated or private repositories. Default: $HF_TOKEN. Sent to huggingface.co only (see mayReceiveHubToken). */
  readonly token?: string;
  /** Send the token to an endpoint other than huggingface.co too. Default: $KAITUHI_SEND_HF_TOKEN_TO_ENDPOINT is 1. */
  readonly sendTokenToEndpoint?: boolean;
  readonly fetch?: FetchFn;
  readonly statfs?: StatFsFn;
  readonly retry?: Partial<RetryPolicy>;
  /** Default 30 s without a byte. */
  readonly stallTimeoutMs?: number;
  /** Default 250 ms; a heartbeat also emits once a second on a stalled link. */
  readonly progressIntervalMs?: number;
  /** The engine's full check of an imported folder (load it, run it); see validate-folder.ts. */
  readonly deepCheck?: DeepModelCheck;
  /** Where unreadable state files are reported (they are then treated as absent). */
  readonly onWarning?: (message: string) => void;
}

export type ModelSource = Manifest['source'];

export interface InstalledModel {
  readonly id: string;
  readonly name: string;
  /** Give this to the engine: loadEngine({ modelDir }). */
  readonly dir: string;
  readonly format: ModelFormat;
  readonly precisions: readonly Precision[];
  readonly sizeBytes: number;
  readonly source: ModelSource;
  readonly installedAt: string;
  readonly active: boolean;
  /** Measured on this machine by the app (recordBenchmark); null until then. */
  readonly benchmark: Benchmark | null;
}

export interface PendingDownload {
  readonly variantId: string;
  readonly running: boolean;
  readonly bytes: number;
  readonly total: number;
}

export interface DownloadHandle {
  readonly variantId: string;
  /** Resolves with the installed model; rejects with a StoreError ('paused' and 'cancelled' included). */
  readonly done: Promise<InstalledModel>;
  progress(): DownloadProgress;
  onEvent(listener: (event: DownloadEvent) => void): () => void;
  pause(): void;
  cancel(): Promise<void>;
}

export interface ImportOptions {
  /** Shown in the list; default: the folder's name. */
  readonly name?: string;
  readonly onProgress?: (progress: { bytes: number; total: number; file: string }) => void;
}

/** Downloads in flight in this process, by store folder and variant. */
const running = new Map<string, DownloadJob>();

function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 48);
  return s.length > 0 ? s : 'model';
}

export class ModelStore {
  readonly #layout: StoreLayout;
  readonly #state: StoreStateFile;
  readonly #deps: DownloadDeps;
  readonly #listeners = new Set<(event: DownloadEvent) => void>();
  readonly #forwarded = new WeakSet<DownloadJob>();
  readonly #mine = new Set<DownloadJob>();
  #closed = false;

  readonly #options: ModelStoreOptions;

  private constructor(
    readonly catalog: Catalog,
    options: ModelStoreOptions,
  ) {
    this.#options = options;
    this.#layout = storeLayout(options.root);
    this.#state = new StoreStateFile(this.#layout.stateFile, options.onWarning);
    const endpoint = (options.endpoint ?? hubEndpoint()).replace(/\/+$/, '');
    const token = options.token ?? (process.env.HF_TOKEN || undefined);
    const tokenMayGo = options.sendTokenToEndpoint === true || mayReceiveHubToken(endpoint);
    this.#deps = {
      layout: this.#layout,
      trust: {
        recorded: async (repo, revision) =>
          new Map(Object.entries((await this.#state.read()).trusted[trustKey(repo, revision)]?.files ?? {})),
        record: (repo, revision, files, replace) =>
          this.#state
            .update((s) => {
              const key = trustKey(repo, revision);
              const entry = s.trusted[key] ?? { firstSeen: new Date().toISOString(), files: {} };
              for (const { path: file, sha256, size } of files) if (replace || !entry.files[file]) entry.files[file] = { sha256, size };
              s.trusted[key] = entry;
            })
            .then(() => undefined),
      },
      fetch: options.fetch ?? fetch,
      statfs: options.statfs ?? defaultStatfs,
      endpoint,
      token: tokenMayGo ? token : undefined,
      tokenWithheld: token !== undefined && !tokenMayGo,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
      progressIntervalMs: options.progressIntervalMs ?? 250,
    };
  }

  static async open(options: ModelStoreOptions): Promise<ModelStore> {
    const store = new ModelStore(options.catalog ?? (await loadCatalog()), options);
    const layout = store.#layout;
    await mkdir(layout.models, { recursive: true });
    await mkdir(layout.partial, { recursive: true });
    // Left over from a delete that a crash interrupted.
    await rm(layout.trash, { recursive: true, force: true });
    return store;
  }

  get root(): string {
    return this.#layout.root;
  }

  // ---- installed models ----

  async list(): Promise<InstalledModel[]> {
    const state = await this.#state.read();
    const out: InstalledModel[] = [];
    let entries: string[];
    try {
      entries = await readdir(this.#layout.models);
    } catch {
      return [];
    }
    for (const id of entries) {
      const manifest = await this.#readManifest(id);
      if (manifest === null) continue;
      out.push(this.#describe(manifest, state.active, state.benchmarks[manifest.id] ?? null));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(id: string): Promise<InstalledModel | null> {
    const manifest = await this.#readManifest(id);
    if (manifest === null) return null;
    const state = await this.#state.read();
    return this.#describe(manifest, state.active, state.benchmarks[id] ?? null);
  }

  async delete(id: string): Promise<void> {
    if ((await this.#readManifest(id)) === null) throw new StoreError('unknown-model', `No installed model "${id}".`);
    const trashed = await moveToTrash(this.#layout, installedDir(this.#layout, id));
    await this.#state.update((s) => {
      if (s.active === id) s.active = null;
      delete s.benchmarks[id];
    });
    await rm(trashed, { recursive: true, force: true });
  }

  /** The active model, or null when none is chosen or it was deleted behind our back. */
  async getActive(): Promise<InstalledModel | null> {
    const { active } = await this.#state.read();
    return active === null ? null : this.get(active);
  }

  async setActive(id: string | null): Promise<void> {
    if (id !== null && (await this.#readManifest(id)) === null) throw new StoreError('unknown-model', `No installed model "${id}".`);
    await this.#state.update((s) => {
      s.active = id;
    });
  }

  /** Written by the app after it measured a model (the Models panel shows tokens/s on this machine). */
  async recordBenchmark(id: string, result: { tokensPerSecond: number; device: string; precision?: Precision | null }): Promise<void> {
    if ((await this.#readManifest(id)) === null) throw new StoreError('unknown-model', `No installed model "${id}".`);
    if (!(Number.isFinite(result.tokensPerSecond) && result.tokensPerSecond > 0))
      throw new RangeError('tokensPerSecond must be a positive number');
    await this.#state.update((s) => {
      s.benchmarks[id] = {
        tokensPerSecond: result.tokensPerSecond,
        device: result.device,
        precision: result.precision ?? null,
        measuredAt: new Date().toISOString(),
      };
    });
  }

  // ---- first run ----

  async freeDiskBytes(): Promise<number> {
    return freeBytes(this.#deps.statfs, this.#layout.root);
  }

  recommend(machine: MachineProfile, language: WriterLanguage = 'en'): Recommendation | null {
    return recommendModel(machine, this.catalog, language);
  }

  // ---- downloads ----

  /**
   * Starts, resumes or joins the download of a catalog variant. Throws 'unknown-model' for an id not in the catalog.
   * Files that differ from this machine's first download of the same commit end it with 'files-changed', unless
   * `acceptChangedFiles` (the writer confirmed them).
   */
  download(variantId: string, options: DownloadOptions = {}): DownloadHandle {
    if (this.#closed) throw new StoreError('closed', 'The model store is closed.');
    const key = this.#key(variantId);
    let job = running.get(key);
    if (job === undefined) {
      const ref = findVariant(this.catalog, variantId);
      if (ref === null) throw new StoreError('unknown-model', `"${variantId}" is not in the model catalog.`);
      const created = new DownloadJob(ref, this.#deps, options);
      running.set(key, created);
      created.done.then(
        () => this.#forget(key, created),
        () => this.#forget(key, created),
      );
      job = created;
    }
    this.#mine.add(job);
    this.#forward(job);
    return this.#handle(job);
  }

  /** Same as download(): a paused or interrupted download continues from the bytes on disk. */
  resume(variantId: string, options: DownloadOptions = {}): DownloadHandle {
    return this.download(variantId, options);
  }

  pause(variantId: string): void {
    running.get(this.#key(variantId))?.pause();
  }

  /** Stops the download if it runs and removes its partial files either way. */
  async cancel(variantId: string): Promise<void> {
    const job = running.get(this.#key(variantId));
    if (job !== undefined) await job.cancel();
    await rm(partialDir(this.#layout, variantId), { recursive: true, force: true });
  }

  /** Downloads running now or left paused / interrupted on disk (offer "resume" for those after a restart). */
  async pendingDownloads(): Promise<PendingDownload[]> {
    let ids: string[];
    try {
      ids = await readdir(this.#layout.partial);
    } catch {
      return [];
    }
    const out: PendingDownload[] = [];
    for (const id of ids) {
      const job = running.get(this.#key(id));
      if (job !== undefined) {
        const p = job.progress();
        out.push({ variantId: id, running: true, bytes: p.bytes, total: p.total });
        continue;
      }
      const state = await readPartialState(this.#layout, id);
      if (state === null || findVariant(this.catalog, id) === null) continue;
      let bytes = 0;
      for (const f of state.files) {
        try {
          bytes += (await stat(fileIn(path.join(partialDir(this.#layout, id), PARTIAL_FILES_DIR), f.path))).size;
        } catch {
          // not started yet
        }
      }
      out.push({ variantId: id, running: false, bytes, total: state.files.reduce((s, f) => s + f.size, 0) });
    }
    return out;
  }

  /** Events of every download this store started or joined. */
  onEvent(listener: (event: DownloadEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- import ----

  /**
   * Copies a model folder into the store after checking it. Copy, not register in place: the store then owns every
   * file it lists (delete means delete, nothing dangles when a USB disk goes away).
   */
  async importFolder(dir: string, options: ImportOptions = {}): Promise<InstalledModel> {
    const check = await validateModelFolder(dir);
    if (!check.ok || check.format === null) {
      throw new StoreError('invalid-model', `${check.dir} cannot be imported: ${check.problems.join('; ')}.`);
    }
    await ensureFreeSpace(this.#deps.statfs, this.#layout.root, check.totalBytes, path.basename(check.dir));
    const name = options.name ?? path.basename(check.dir);
    const id = await this.#freeId(`${slug(name)}-import`);
    const staging = partialDir(this.#layout, `.import-${randomBytes(6).toString('hex')}`);
    try {
      let bytes = 0;
      for (const rel of check.files) {
        const dest = fileIn(staging, rel);
        await mkdir(path.dirname(dest), { recursive: true });
        await copyFile(fileIn(check.dir, rel), dest);
        bytes += (await stat(dest)).size;
        options.onProgress?.({ bytes, total: check.totalBytes, file: rel });
      }
      if (this.#options.deepCheck !== undefined) {
        try {
          await this.#options.deepCheck(staging);
        } catch (err) {
          throw new StoreError('invalid-model', `${check.dir} cannot be imported: ${(err as Error).message}`);
        }
      }
      const manifest: Manifest = {
        schemaVersion: 1,
        id,
        name,
        format: check.format,
        precisions: [...new Set(check.weights.map((w) => w.precision))],
        source: { kind: 'import', from: check.dir },
        files: check.files.map((rel) => ({ path: rel, size: 0, sha256: null })),
        totalBytes: check.totalBytes,
        installedAt: new Date().toISOString(),
      };
      const sized = await Promise.all(manifest.files.map(async (f) => ({ ...f, size: (await stat(fileIn(staging, f.path))).size })));
      await installStaged(this.#layout, staging, { ...manifest, files: sized });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const model = await this.get(id);
    if (model === null) throw new StoreError('invalid-model', `${check.dir}: the import did not complete.`);
    return model;
  }

  /** Pauses the downloads this store started (their bytes stay for the next run) and refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const jobs = [...this.#mine];
    for (const job of jobs) job.pause();
    await Promise.all(jobs.map((job) => job.done.catch(() => undefined)));
    this.#listeners.clear();
  }

  // ---- internals ----

  #key(variantId: string): string {
    return `${this.#layout.root}\0${variantId}`;
  }

  #forget(key: string, job: DownloadJob): void {
    if (running.get(key) === job) running.delete(key);
    this.#mine.delete(job);
  }

  #forward(job: DownloadJob): void {
    if (this.#forwarded.has(job)) return;
    this.#forwarded.add(job);
    job.onEvent((event) => {
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch {
          // see DownloadJob.emit
        }
      }
    });
  }

  #handle(job: DownloadJob): DownloadHandle {
    const done = job.done.then(async (manifest) => {
      const model = await this.get(manifest.id);
      if (model === null) throw new StoreError('invalid-model', `${manifest.id}: installed, but its folder is gone.`);
      return model;
    });
    done.catch(() => undefined);
    return {
      variantId: job.variantId,
      done,
      progress: () => job.progress(),
      onEvent: (listener) => job.onEvent(listener),
      pause: () => job.pause(),
      cancel: () => job.cancel(),
    };
  }

  async #readManifest(id: string): Promise<Manifest | null> {
    if (id.startsWith('.') || id.includes('/') || id.includes('\\')) return null;
    const manifest = await readJsonValidated(
      path.join(installedDir(this.#layout, id), MANIFEST_FILE),
      ManifestSchema,
      this.#options.onWarning,
    );
    return manifest !== null && manifest.id === id ? manifest : null;
  }

  #describe(manifest: Manifest, active: string | null, benchmark: Benchmark | null): InstalledModel {
    return {
      id: manifest.id,
      name: manifest.name,
      dir: installedDir(this.#layout, manifest.id),
      format: manifest.format,
      precisions: manifest.precisions,
      sizeBytes: manifest.totalBytes,
      source: manifest.source,
      installedAt: manifest.installedAt,
      active: active === manifest.id,
      benchmark,
    };
  }

  async #freeId(base: string): Promise<string> {
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      try {
        await stat(installedDir(this.#layout, id));
      } catch {
        if (findVariant(this.catalog, id) === null) return id;
      }
    }
  }
}
