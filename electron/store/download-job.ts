/**
 * One model's download from start to install: ask the hub what each file should be, check the disk, fetch the
 * files (resuming), verify every hash, then install with one rename. Progress is for the model as a whole.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJsonValidated, writeJsonAtomic } from '../disk/json-file.js';
import { variantDownloadSize, type VariantRef } from './catalog.js';
import { ensureFreeSpace, type StatFsFn } from './disk.js';
import { StoreError, TransientError, toErrorInfo, type StoreErrorInfo } from './errors.js';
import { fileDigests } from './hash.js';
import { headRemoteFile, resolveUrl, SEND_TOKEN_OPT_IN, type FetchFn, type RemoteFile } from './hub.js';
import { installStaged } from './install.js';
import { fileIn, partialDir, type StoreLayout } from './layout.js';
import type { Manifest } from './manifest.js';
import { etaSeconds, SpeedMeter, type DownloadPhase, type DownloadProgress } from './progress.js';
import { acquireLock } from './process-lock.js';
import type { TrustedFile } from './store-state.js';
import { backoffDelay, sleep, type RetryPolicy } from './retry.js';
import { transferFile } from './transfer.js';

/** The SHA-256 of each file as this machine first downloaded it, by repository and commit (trust on first use). */
export interface TrustRecords {
  recorded(repo: string, revision: string): Promise<ReadonlyMap<string, TrustedFile>>;
  /** Records these files' hashes; `replace` overwrites what was recorded (the writer accepted changed files). */
  record(repo: string, revision: string, files: readonly ({ path: string } & TrustedFile)[], replace: boolean): Promise<void>;
}

export interface DownloadOptions {
  /** The writer confirmed files that differ from the first download: take them, and trust them from now on. */
  readonly acceptChangedFiles?: boolean;
}

export interface DownloadDeps {
  readonly layout: StoreLayout;
  readonly trust: TrustRecords;
  readonly fetch: FetchFn;
  readonly statfs: StatFsFn;
  readonly endpoint: string;
  readonly token?: string | undefined;
  /** A token was given but is not sent to this endpoint (see mayReceiveHubToken): a 401 then says how to send it. */
  readonly tokenWithheld?: boolean;
  readonly retry: RetryPolicy;
  readonly stallTimeoutMs: number;
  /** Least time between two progress events while bytes flow; a heartbeat adds one every second regardless. */
  readonly progressIntervalMs: number;
}

export type DownloadEvent =
  | { readonly type: 'progress'; readonly progress: DownloadProgress }
  | { readonly type: 'done'; readonly variantId: string; readonly modelId: string }
  /** Paused and cancelled downloads end here too, with codes 'paused' and 'cancelled'. */
  | { readonly type: 'failed'; readonly variantId: string; readonly error: StoreErrorInfo };

const ExpectedFile = z.object({
  path: z.string(),
  size: z.number().int().nonnegative(),
  /** From the catalog, else the hub: the transfer is checked against it (or against gitSha1 when the hub gives only that). */
  sha256: z.string().nullable(),
  gitSha1: z.string().nullable(),
  /** Recorded at this machine's first download of the same commit; the bytes must match it unless the writer accepted a change. */
  trustedSha256: z.string().nullable().default(null),
  /** The file's SHA-256 once verified. */
  digest: z.string().nullable().default(null),
  verified: z.boolean(),
});
type ExpectedFile = z.infer<typeof ExpectedFile>;

const PartialState = z.object({
  schemaVersion: z.literal(1),
  variantId: z.string(),
  repo: z.string(),
  revision: z.string(),
  files: z.array(ExpectedFile),
});
type PartialState = z.infer<typeof PartialState>;

export const PARTIAL_STATE_FILE = 'state.json';
export const PARTIAL_FILES_DIR = 'files';
const LOCK_FILE = 'lock';

export async function readPartialState(layout: StoreLayout, variantId: string): Promise<PartialState | null> {
  return readJsonValidated(path.join(partialDir(layout, variantId), PARTIAL_STATE_FILE), PartialState);
}

async function sizeOnDisk(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

function isRetryable(err: unknown): boolean {
  return err instanceof TransientError || err instanceof TypeError;
}

export class DownloadJob {
  readonly done: Promise<Manifest>;
  readonly #controller = new AbortController();
  readonly #listeners = new Set<(event: DownloadEvent) => void>();
  readonly #meter = new SpeedMeter();
  #phase: DownloadPhase = 'resolving';
  #total: number;
  #doneBytes = 0;
  #fileBytes = 0;
  #file: string | null = null;
  #fileIndex = 0;
  #fileCount: number;
  #lastEmit = 0;

  readonly #deps: DownloadDeps;
  readonly #options: DownloadOptions;

  constructor(
    readonly ref: VariantRef,
    deps: DownloadDeps,
    options: DownloadOptions = {},
  ) {
    this.#deps = deps;
    this.#options = options;
    this.#total = variantDownloadSize(ref.variant).bytes;
    this.#fileCount = ref.variant.files.length;
    this.done = this.#run();
    // Callers may only listen to events; the rejection is theirs to read, never an unhandled one.
    this.done.catch(() => undefined);
  }

  get variantId(): string {
    return this.ref.variant.id;
  }

  onEvent(listener: (event: DownloadEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  progress(): DownloadProgress {
    const bytes = this.#doneBytes + this.#fileBytes;
    const bytesPerSecond = this.#meter.bytesPerSecond();
    return {
      variantId: this.variantId,
      phase: this.#phase,
      bytes,
      total: this.#total,
      bytesPerSecond: Math.round(bytesPerSecond),
      etaSeconds: etaSeconds(this.#total - bytes, bytesPerSecond),
      file: this.#file,
      fileIndex: this.#fileIndex,
      fileCount: this.#fileCount,
    };
  }

  /** Stops now and keeps every byte: resume() later (or after a restart) continues where it stopped. */
  pause(): void {
    this.#controller.abort(new StoreError('paused', `${this.variantId}: download paused.`));
  }

  /** Stops and removes the partial files; settles once they are gone. */
  async cancel(): Promise<void> {
    this.#controller.abort(new StoreError('cancelled', `${this.variantId}: download cancelled.`));
    await this.done.catch(() => undefined);
  }

  #emit(event: DownloadEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break the download.
      }
    }
  }

  #emitProgress(force = false): void {
    const now = Date.now();
    if (!force && now - this.#lastEmit < this.#deps.progressIntervalMs) return;
    this.#lastEmit = now;
    this.#emit({ type: 'progress', progress: this.progress() });
  }

  #setPhase(phase: DownloadPhase): void {
    this.#phase = phase;
    this.#emitProgress(true);
  }

  async #run(): Promise<Manifest> {
    const { layout } = this.#deps;
    const dir = partialDir(layout, this.variantId);
    const filesDir = path.join(dir, PARTIAL_FILES_DIR);
    const heartbeat = setInterval(() => this.#emitProgress(true), 1000);
    const signal = this.#controller.signal;
    let unlock: (() => Promise<void>) | null = null;
    try {
      // Start after the caller has had the chance to subscribe, so it sees the first phase too.
      await Promise.resolve();
      await mkdir(dir, { recursive: true });
      unlock = await acquireLock(path.join(dir, LOCK_FILE), this.variantId);
      this.#setPhase('resolving');
      const expected = await this.#resolve(signal);
      this.#fileCount = expected.length;
      this.#total = expected.reduce((sum, f) => sum + f.size, 0);
      await mkdir(filesDir, { recursive: true });
      const state = await this.#reconcile(expected, filesDir);
      await this.#saveState(dir, state);

      let remaining = 0;
      for (const f of state.files) if (!f.verified) remaining += f.size - (await sizeOnDisk(fileIn(filesDir, f.path)));
      await ensureFreeSpace(this.#deps.statfs, layout.root, remaining, this.variantId);
      signal.throwIfAborted();

      this.#setPhase('downloading');
      for (const [i, f] of state.files.entries()) {
        this.#fileIndex = i;
        this.#file = f.path;
        this.#fileBytes = 0;
        if (f.verified) {
          this.#doneBytes += f.size;
          continue;
        }
        await this.#fetchAndVerify(f, filesDir, signal);
        this.#doneBytes += f.size;
        this.#fileBytes = 0;
        f.verified = true;
        await this.#saveState(dir, state);
        if (this.#phase !== 'downloading') this.#setPhase('downloading');
      }

      signal.throwIfAborted();
      this.#setPhase('installing');
      this.#file = null;
      const { model, variant } = this.ref;
      const manifest: Manifest = {
        schemaVersion: 1,
        id: variant.id,
        name: `${model.name} · ${variant.format === 'onnx' ? `ONNX ${variant.precision}` : 'checkpoint'}`,
        format: variant.format,
        precisions: [variant.precision],
        source: { kind: 'catalog', variantId: variant.id, modelId: model.id, repo: variant.repo, revision: variant.revision },
        files: await Promise.all(
          state.files.map(async (f) => ({
            path: f.path,
            size: f.size,
            sha256: f.digest ?? (await fileDigests(fileIn(filesDir, f.path), signal)).sha256,
          })),
        ),
        totalBytes: this.#total,
        installedAt: new Date().toISOString(),
      };
      await installStaged(layout, filesDir, manifest);
      await this.#deps.trust.record(
        variant.repo,
        variant.revision,
        manifest.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256! })),
        this.#options.acceptChangedFiles === true,
      );
      await rm(dir, { recursive: true, force: true });
      this.#emitProgress(true);
      this.#emit({ type: 'done', variantId: this.variantId, modelId: manifest.id });
      return manifest;
    } catch (err) {
      const reason: unknown = signal.aborted ? signal.reason : err;
      if (reason instanceof StoreError && reason.code === 'cancelled') await rm(dir, { recursive: true, force: true });
      this.#emit({ type: 'failed', variantId: this.variantId, error: toErrorInfo(reason) });
      throw reason;
    } finally {
      clearInterval(heartbeat);
      // After an install or a cancel the folder (and the lock in it) is already gone.
      if (unlock !== null) await unlock();
    }
  }

  /** What every file must be, from the catalog, the first download and the hub; a disagreement stops before any byte is fetched. */
  async #resolve(signal: AbortSignal): Promise<ExpectedFile[]> {
    const { variant } = this.ref;
    const accept = this.#options.acceptChangedFiles === true;
    const trusted = accept ? new Map<string, TrustedFile>() : await this.#deps.trust.recorded(variant.repo, variant.revision);
    const changed: { path: string; was: TrustedFile; now: { sha256: string | null; size: number } }[] = [];
    const out: ExpectedFile[] = [];
    for (const f of variant.files) {
      const what = `${variant.id}: ${variant.repo}/${f.path}`;
      const url = resolveUrl(this.#deps.endpoint, variant.repo, variant.revision, f.path);
      let remote: RemoteFile;
      try {
        remote = await this.#withRetry(() => headRemoteFile(this.#deps.fetch, url, what, { token: this.#deps.token, signal }), signal);
      } catch (err) {
        if (f.optional && err instanceof StoreError && err.code === 'not-found') continue;
        if (this.#deps.tokenWithheld && err instanceof StoreError && err.code === 'unauthorized') {
          throw new StoreError(
            'unauthorized',
            `${err.message} HF_TOKEN is set but was not sent to ${new URL(this.#deps.endpoint).host}, which is not huggingface.co; ` +
              `to send it there, set ${SEND_TOKEN_OPT_IN}=1.`,
            f.path,
          );
        }
        throw err;
      }
      if (f.sha256 !== null && remote.sha256 !== null && remote.sha256 !== f.sha256) {
        throw new StoreError(
          'upstream-changed',
          `${what}: the hub now serves a different file (SHA-256 ${remote.sha256}) than the catalog lists (${f.sha256}). Nothing was downloaded; the catalog needs an update.`,
          f.path,
        );
      }
      if (f.size !== null && remote.size !== f.size) {
        throw new StoreError(
          'upstream-changed',
          `${what}: the hub says ${remote.size} bytes, the catalog ${f.size}. Nothing was downloaded; the catalog needs an update.`,
          f.path,
        );
      }
      // The catalog's own hash outranks a hash this machine recorded; without one, the first download is the reference.
      const first = f.sha256 === null ? trusted.get(f.path) : undefined;
      if (first && (remote.size !== first.size || (remote.sha256 !== null && remote.sha256 !== first.sha256)))
        changed.push({ path: f.path, was: first, now: remote });
      const sha256 = f.sha256 ?? remote.sha256;
      const gitSha1 = sha256 === null ? remote.gitSha1 : null;
      if (sha256 === null && gitSha1 === null) {
        throw new StoreError(
          'unverifiable',
          `${what}: neither the catalog nor the server gives a hash for this file, so it cannot be verified and will not be installed.`,
          f.path,
        );
      }
      out.push({ path: f.path, size: remote.size, sha256, gitSha1, trustedSha256: first?.sha256 ?? null, digest: null, verified: false });
    }
    if (changed.length > 0) throw this.#filesChanged(changed);
    return out;
  }

  #filesChanged(changed: readonly { path: string; was: TrustedFile; now: { sha256: string | null; size: number } }[]): StoreError {
    const { variant } = this.ref;
    const list = changed
      .map(
        (c) =>
          `${c.path} (first downloaded as SHA-256 ${c.was.sha256}, ${c.was.size} bytes; now ${c.now.sha256 ?? 'another file'}, ${c.now.size} bytes)`,
      )
      .join('; ');
    return new StoreError(
      'files-changed',
      `${variant.id}: the server now gives other files for ${variant.repo} at commit ${variant.revision} than this machine first downloaded: ${list}. ` +
        'Nothing was installed. The same commit should never change; download them anyway only if you trust where they come from.',
      changed[0]!.path,
    );
  }

  /** Keeps what an earlier run verified or half-fetched, but only for files the hub still describes the same way. */
  async #reconcile(expected: ExpectedFile[], filesDir: string): Promise<PartialState> {
    const { variant } = this.ref;
    const previous = await readPartialState(this.#deps.layout, variant.id);
    const files = await Promise.all(
      expected.map(async (f) => {
        const prev = previous?.files.find((p) => p.path === f.path);
        const same = prev !== undefined && prev.size === f.size && prev.sha256 === f.sha256 && prev.gitSha1 === f.gitSha1;
        const onDisk = fileIn(filesDir, f.path);
        if (!same) {
          await rm(onDisk, { force: true });
          return f;
        }
        const verified = prev.verified && (await sizeOnDisk(onDisk)) === f.size;
        return { ...f, verified, digest: verified ? prev.digest : null };
      }),
    );
    return { schemaVersion: 1, variantId: variant.id, repo: variant.repo, revision: variant.revision, files };
  }

  async #saveState(dir: string, state: PartialState): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(path.join(dir, PARTIAL_STATE_FILE), state);
  }

  async #fetchAndVerify(f: ExpectedFile, filesDir: string, signal: AbortSignal): Promise<void> {
    const { variant } = this.ref;
    const dest = fileIn(filesDir, f.path);
    const what = `${variant.id}: ${variant.repo}/${f.path}`;
    let seen = -1;
    await transferFile({
      fetch: this.#deps.fetch,
      url: resolveUrl(this.#deps.endpoint, variant.repo, variant.revision, f.path),
      dest,
      expectedSize: f.size,
      what,
      token: this.#deps.token,
      signal,
      retry: this.#deps.retry,
      stallTimeoutMs: this.#deps.stallTimeoutMs,
      onBytes: (bytes) => {
        // Only bytes that crossed the wire count toward the speed, not those found on disk at the start.
        if (seen >= 0 && bytes > seen) this.#meter.add(bytes - seen);
        seen = bytes;
        this.#fileBytes = bytes;
        this.#emitProgress();
      },
    });
    this.#setPhase('verifying');
    const digests = await fileDigests(dest, signal);
    const actual = f.sha256 !== null ? digests.sha256 : digests.gitSha1;
    const want = f.sha256 ?? f.gitSha1;
    if (actual !== want) {
      // The bytes are wrong somewhere: resuming them would only keep them wrong.
      await rm(dest, { force: true });
      throw new StoreError(
        'hash-mismatch',
        `${what}: the downloaded file failed its ${f.sha256 !== null ? 'SHA-256' : 'git SHA-1'} check (expected ${want}, got ${actual}). Nothing was installed; try the download again.`,
        f.path,
      );
    }
    // A small file is known to the hub by its git hash only: its SHA-256 meets the first download's here.
    if (f.trustedSha256 !== null && digests.sha256 !== f.trustedSha256 && this.#options.acceptChangedFiles !== true) {
      await rm(dest, { force: true });
      throw this.#filesChanged([
        { path: f.path, was: { sha256: f.trustedSha256, size: f.size }, now: { sha256: digests.sha256, size: f.size } },
      ]);
    }
    f.digest = digests.sha256;
  }

  async #withRetry<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (!isRetryable(err) || attempt > this.#deps.retry.attempts) {
          if (isRetryable(err)) throw new StoreError('network', `${this.variantId}: the hub did not answer (${(err as Error).message}).`);
          throw err;
        }
        await sleep(backoffDelay(this.#deps.retry, attempt), signal);
      }
    }
  }
}
