import { stat } from 'node:fs/promises';
import type { EngineState } from '../shared/api.js';
import type { Engine, EngineHost, EngineHostEvent, EngineInfo, EngineLoadOptions } from '../engine/types.js';
import type { EngineSettings } from '../common/settings.js';
import { errorMessage } from '../common/error-message.js';
import { engineFailureOf } from '../engine/index.js';
import { RemoteLink, type RemoteLinkState, type RemoteLinkTiming } from './remote-engine/remote-link.js';

/** A server to use as the engine: Settings → Engine → A server. */
export type RemoteEngineChoice = Pick<EngineSettings, 'url' | 'apiKey' | 'model'>;

/** Starts an engine host: a child process under Node, a utilityProcess under Electron. */
export type StartEngineHost = (options: EngineLoadOptions) => Promise<EngineHost>;

export const NO_MODEL_MESSAGE =
  'No model is loaded, so there are no suggestions yet; the editor works as usual. ' +
  'Open Models to download one or import a folder, choose a model folder in Settings, or start with --model DIR (a GPT-2 ONNX export or a Hugging Face checkpoint). ' +
  'To try the app, `npm run kaituhi -- make-test-model --out DIR` writes a tiny random model (its words are nonsense).';

/**
 * Owns the one engine of this launch: the engine host, which it loads with the chosen model, swaps when the writer
 * picks another, and whose crashes and restarts it turns into an `EngineState` the UI can show; or, when the
 * writer chose a server, the link to it (the local model is then unloaded, and loaded again on switching back).
 */
export class EngineSupervisor {
  #host: EngineHost | null = null;
  #remote: RemoteLink | null = null;
  /** The local model folder last asked for: kept while a server is in use, loaded when the writer switches back. */
  #localDir: string | null = null;
  #unsubscribe: (() => void) | null = null;
  #state: EngineState = { status: 'no-model', modelDir: null, info: null, message: NO_MODEL_MESSAGE, restarts: 0 };
  readonly #listeners = new Set<(state: EngineState) => void>();
  /** Serialises loads so a quick succession of model changes ends with the last one. */
  #loading: Promise<void> = Promise.resolve();

  readonly #startEngineHost: StartEngineHost;
  readonly #loadOptions: Omit<EngineLoadOptions, 'modelDir'>;
  readonly #remoteTiming: RemoteLinkTiming | undefined;

  constructor(startHost: StartEngineHost, loadOptions: Omit<EngineLoadOptions, 'modelDir'> = {}, remoteTiming?: RemoteLinkTiming) {
    this.#startEngineHost = startHost;
    this.#loadOptions = loadOptions;
    this.#remoteTiming = remoteTiming;
  }

  get state(): EngineState {
    return this.#state;
  }

  /** Whether restart() has something to act on: an engine host (even one that gave up), or a server. */
  get canRestart(): boolean {
    return this.#remote !== null || this.#host !== null;
  }

  /** The engine to generate with, or null when none is ready. */
  get engine(): Engine | null {
    if (this.#remote) return this.#remote.engine;
    return this.#state.status === 'ready' || this.#state.status === 'restarting' ? this.#host : null;
  }

  onState(listener: (state: EngineState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Loads `modelDir` (or unloads, for null). Resolves when the new state is known; never throws. While a server is
   * the engine, the folder is only remembered, for when the writer switches back to this computer.
   */
  use(modelDir: string | null): Promise<void> {
    this.#loading = this.#loading.then(() => {
      this.#localDir = modelDir;
      return this.#remote ? undefined : this.#switchTo(modelDir);
    });
    return this.#loading;
  }

  /** Uses a server as the engine, or this computer again (null). Resolves once the server answered or failed. */
  useRemote(choice: RemoteEngineChoice | null): Promise<void> {
    this.#loading = this.#loading.then(() => this.#switchSource(choice));
    return this.#loading;
  }

  /**
   * Kills the host as a crash would; it comes back by itself and the state says so. After the engine was given up
   * on, loads its model again. A server is asked again at once.
   */
  restart(): void {
    if (this.#remote) {
      this.#remote.reconnect();
      return;
    }
    if (!this.#host) throw new Error('No engine is running.');
    const { status, modelDir } = this.#state;
    if (status === 'failed' && modelDir !== null) void this.use(modelDir);
    else this.#host.kill();
  }

  async close(): Promise<void> {
    await this.#loading;
    await this.#remote?.close();
    this.#remote = null;
    await this.#dropHost();
  }

  async #switchSource(choice: RemoteEngineChoice | null): Promise<void> {
    const current = this.#remote;
    if (choice === null) {
      if (!current) return;
      this.#remote = null;
      await current.close();
      // Back to this computer: its model loads again.
      this.#publish({ status: 'no-model', modelDir: null, info: null, message: NO_MODEL_MESSAGE, remote: null });
      await this.#switchTo(this.#localDir);
      return;
    }
    await current?.close();
    // One engine at a time: the local model's memory is given back while a server does the work.
    await this.#dropHost();
    const link: RemoteLink = new RemoteLink(
      choice,
      (state) => {
        if (this.#remote === link) this.#publishRemote(state);
      },
      this.#remoteTiming,
    );
    this.#remote = link;
    await link.start();
  }

  #publishRemote(state: RemoteLinkState): void {
    this.#publish({ status: state.status, modelDir: null, info: null, message: state.message, remote: state.remote });
  }

  async #switchTo(modelDir: string | null): Promise<void> {
    if (modelDir === this.#state.modelDir && this.#state.status === 'ready') return;
    if (modelDir === null) {
      await this.#dropHost();
      this.#publish({ status: 'no-model', modelDir: null, info: null, message: NO_MODEL_MESSAGE });
      return;
    }
    this.#publish({ status: 'loading', modelDir, info: null, message: `Loading ${modelDir}…`, remote: null });
    try {
      await assertFolder(modelDir);
      // A running host loads the next model in place: no new process, and its crash-restart wiring stays.
      const info = this.#host ? await this.#host.reload({ ...this.#loadOptions, modelDir }) : await this.#startHost(modelDir);
      this.#publish({ status: 'ready', modelDir, info, message: null });
    } catch (error) {
      const failure = engineFailureOf(error);
      // The host's own verdict is already a sentence; the loader's words need saying what failed.
      const message = failure.kind === 'load-failed' ? `The model could not be loaded: ${failure.detail}` : errorMessage(error);
      this.#publish({ status: 'failed', modelDir, info: null, message, failure });
    }
  }

  async #startHost(modelDir: string): Promise<EngineInfo> {
    const host = await this.#startEngineHost({ ...this.#loadOptions, modelDir });
    const info = await host.info();
    this.#host = host;
    this.#unsubscribe = host.onEvent((event) => this.#onHostEvent(event));
    return info;
  }

  #onHostEvent(event: EngineHostEvent): void {
    // A host being dropped for a server may still report its end.
    if (this.#remote) return;
    if (event.type === 'crashed') {
      const seconds = Math.max(1, Math.round(event.restartInMs / 1000));
      this.#publish({
        ...this.#state,
        status: 'restarting',
        restartInSeconds: seconds,
        message: `The engine stopped (${event.reason}); restarting it in ${seconds} s. Your text is safe.`,
      });
    } else if (event.type === 'restarted') {
      this.#publish({
        ...this.#state,
        status: 'ready',
        restarts: this.#state.restarts + 1,
        message: `The engine stopped (${event.reason}) and was restarted. Your text is safe.`,
      });
    } else {
      this.#publish({
        ...this.#state,
        status: 'failed',
        info: null,
        failure: event.failure,
        message: `${event.reason} Your text is safe. Choose the model again in Settings or Models, or restart the engine, to try once more.`,
      });
    }
  }

  async #dropHost(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const host = this.#host;
    this.#host = null;
    if (host) await host.close().catch(() => undefined);
  }

  #publish(next: Omit<EngineState, 'restarts'> & { restarts?: number }): void {
    // Each belongs to one status: a state spread from the last one must not carry them into the next.
    this.#state = {
      ...next,
      restarts: next.restarts ?? this.#state.restarts,
      failure: next.status === 'failed' ? (next.failure ?? null) : null,
      restartInSeconds: next.status === 'restarting' ? (next.restartInSeconds ?? null) : null,
    };
    for (const listener of this.#listeners) listener(this.#state);
  }
}

async function assertFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`${dir} is not a folder`);
}
