/**
 * The client of an engine host. Inference blocks the thread that runs it (onnxruntime-node's run() is
 * synchronous inside), so the model lives in a child process here, or a utilityProcess under Electron,
 * and the caller's thread stays free. If the host dies, in-flight requests fail, the host is restarted
 * after a pause (see RestartPolicy), and the next request is served by the new one.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../common/error-message.js';
import type {
  ContextView,
  EngineFailure,
  EngineHost,
  EngineHostEvent,
  EngineInfo,
  EngineLoadOptions,
  GenerateRequest,
  GenerationEvent,
  PrefillRequest,
  PrefillResult,
  ScoreRequest,
  ScoreResult,
} from '../types.js';
import { EngineHostError, type ClientMessage, type HostMessage } from './protocol.js';

export interface HostTransport {
  post(message: ClientMessage): void;
  onMessage(listener: (message: HostMessage) => void): void;
  /** Fires once when the host is gone, for whatever reason. */
  onExit(listener: (reason: string) => void): void;
  kill(): void;
}

export type SpawnHost = () => HostTransport;

const ENGINE_NICENESS = 10;

export interface ProcessHostOptions {
  /** Extra Node flags for the host, e.g. a heap limit (`--max-old-space-size=N`). */
  readonly execArgv?: readonly string[];
}

/** The host entry runs as TypeScript under tsx in development and tests, as JavaScript when built. */
export function spawnProcessHost(options: ProcessHostOptions = {}): HostTransport {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(isTs ? './process-entry.ts' : './process-entry.js', import.meta.url));
  const child = fork(entry, [], {
    execArgv: [...(isTs ? ['--import', 'tsx'] : []), ...(options.execArgv ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Inference is background work: on a machine with few cores, the writer's editor must win every tie.
  // A lower priority costs the engine nothing when the rest of the machine is idle.
  if (child.pid !== undefined) {
    try {
      os.setPriority(child.pid, ENGINE_NICENESS);
    } catch {
      // Not permitted on this system: run at normal priority.
    }
  }
  let exited = false;
  const exitListeners: ((reason: string) => void)[] = [];
  const fireExit = (reason: string): void => {
    if (exited) return;
    exited = true;
    for (const l of exitListeners) l(reason);
  };
  child.on('error', (error) => fireExit(`engine host error: ${error.message}`));
  child.on('exit', (code, signal) => fireExit(signal ? `engine host killed by ${signal}` : `engine host exited with code ${code}`));
  return {
    post: (m) => {
      if (!exited && child.connected) child.send(m);
    },
    onMessage: (l) => child.on('message', (m) => l(m as HostMessage)),
    onExit: (l) => exitListeners.push(l),
    kill: () => void child.kill('SIGKILL'),
  };
}

interface Pending {
  onMessage(message: HostMessage): void;
  onExit(reason: string): void;
}

/**
 * When a host that had loaded its model dies, it is restarted with the same model after a pause that doubles with
 * each crash inside the window; past `maxCrashes` crashes in the window it is left down. A host that dies while
 * loading is never restarted with that model: the model itself is the likely cause.
 */
export interface RestartPolicy {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1000, maxDelayMs: 8000, maxCrashes: 3, windowMs: 60_000 };

/** Requests fail with this while the host is down for good (until the writer loads a model again). */
export class EngineStoppedError extends Error {
  override readonly name = 'EngineStoppedError';
  readonly failure: EngineFailure;

  constructor(message: string, failure: EngineFailure) {
    super(message);
    this.failure = failure;
  }
}

/** Why a load, or a restart's load, failed: the host's own verdict when it stopped, else the loader's words. */
export function engineFailureOf(error: unknown): EngineFailure {
  return error instanceof EngineStoppedError ? error.failure : { kind: 'load-failed', detail: errorMessage(error) };
}

export class EngineHostClient implements EngineHost {
  #transport: HostTransport | null = null;
  #ready: Promise<EngineInfo> | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: EngineHostEvent) => void>();
  #closed = false;
  /** When the host died recently, for the backoff and the give-up rule. */
  #crashTimes: number[] = [];
  /** A restart waiting out its pause; a reload in the meantime settles it instead. */
  #scheduled: { timer: NodeJS.Timeout; settle(load: Promise<EngineInfo>): void } | null = null;
  /** Set while the host is down for good; start() fails with it until reload() is called. */
  #stopped: EngineStoppedError | null = null;

  #options: EngineLoadOptions;
  readonly #spawn: SpawnHost;
  readonly #policy: RestartPolicy;

  constructor(options: EngineLoadOptions, spawn: SpawnHost = spawnProcessHost, policy: RestartPolicy = DEFAULT_RESTART_POLICY) {
    this.#options = options;
    this.#spawn = spawn;
    this.#policy = policy;
  }

  /** Resolves or rejects the load in flight on the current transport. */
  #loadWaiter: { resolve(info: EngineInfo): void; reject(error: Error): void } | null = null;

  /** Starts the host and loads the model; rejects with the host's error (e.g. a ModelLoadError). */
  start(): Promise<EngineInfo> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#ready) return this.#ready;
    return this.#spawnAndLoad();
  }

  #spawnAndLoad(): Promise<EngineInfo> {
    const transport = this.#spawn();
    this.#transport = transport;
    transport.onMessage((message) => {
      const waiter = this.#transport === transport ? this.#loadWaiter : null;
      if (message.type === 'loaded' && waiter) {
        this.#loadWaiter = null;
        waiter.resolve(message.info);
      } else if (message.type === 'load-failed' && waiter) {
        this.#loadWaiter = null;
        waiter.reject(new EngineHostError(message.error));
      } else if ('id' in message) this.#pending.get(message.id)?.onMessage(message);
    });
    transport.onExit((reason) => this.#handleExit(transport, reason));
    return this.#load(transport);
  }

  #load(transport: HostTransport): Promise<EngineInfo> {
    this.#ready = new Promise<EngineInfo>((resolve, reject) => {
      this.#loadWaiter = { resolve, reject };
    });
    // A failed load leaves the host alive (another model can be loaded); the rejection is the caller's to show.
    this.#ready.catch(() => undefined);
    transport.post({ type: 'load', options: this.#options });
    return this.#ready;
  }

  /** Loads another model into the running host (after a failed load, or when the writer switches models). */
  reload(options: EngineLoadOptions): Promise<EngineInfo> {
    this.#options = options;
    // The writer chose a model: that is a fresh start, whatever happened before.
    this.#stopped = null;
    this.#crashTimes = [];
    const scheduled = this.#scheduled;
    this.#scheduled = null;
    if (scheduled) clearTimeout(scheduled.timer);
    const loaded = this.#transport ? this.#load(this.#transport) : this.#spawnAndLoad();
    scheduled?.settle(loaded);
    return loaded;
  }

  #handleExit(transport: HostTransport, reason: string): void {
    if (this.#transport !== transport) return;
    const waiter = this.#loadWaiter;
    this.#transport = null;
    this.#ready = null;
    this.#loadWaiter = null;
    for (const p of [...this.#pending.values()]) p.onExit(reason);
    this.#pending.clear();
    if (waiter) {
      // Loading this model killed the host; loading it again would only do that again.
      const error = new EngineStoppedError(
        `The engine stopped while loading ${this.#options.modelDir} (${reason}); it was not started again with that model. ` +
          'The model may need more memory than this machine has, or it is damaged.',
        { kind: 'died-loading', detail: reason },
      );
      this.#stopped = error;
      waiter.reject(error);
      return;
    }
    if (this.#closed) return;
    this.#scheduleRestart(reason);
  }

  #scheduleRestart(reason: string): void {
    const now = Date.now();
    this.#crashTimes = [...this.#crashTimes.filter((t) => now - t < this.#policy.windowMs), now];
    const crashes = this.#crashTimes.length;
    if (crashes > this.#policy.maxCrashes) {
      this.#stopped = new EngineStoppedError(
        `The engine stopped ${crashes} times within ${Math.round(this.#policy.windowMs / 1000)} s (last: ${reason}); it was not restarted again.`,
        { kind: 'crashed-repeatedly', detail: reason },
      );
      this.#emit({ type: 'gave-up', reason: this.#stopped.message, failure: this.#stopped.failure });
      return;
    }
    const restartInMs = Math.min(this.#policy.maxDelayMs, this.#policy.firstDelayMs * 2 ** (crashes - 1));
    this.#emit({ type: 'crashed', reason, restartInMs });
    let settle!: (load: Promise<EngineInfo>) => void;
    const restarted = new Promise<EngineInfo>((resolve, reject) => {
      settle = (load) => load.then(resolve, reject);
    });
    restarted.catch(() => undefined);
    this.#ready = restarted;
    const timer = setTimeout(() => {
      if (this.#scheduled?.timer !== timer) return;
      this.#scheduled = null;
      const load = this.#spawnAndLoad();
      settle(load);
      // A restart that does not load (the host died again while loading, or the model is gone) ends the restarts.
      load.then(
        () => this.#emit({ type: 'restarted', reason }),
        (error: unknown) => {
          if (!this.#closed) this.#emit({ type: 'gave-up', reason: errorMessage(error), failure: engineFailureOf(error) });
        },
      );
    }, restartInMs);
    this.#scheduled = { timer, settle };
  }

  #emit(event: EngineHostEvent): void {
    for (const l of this.#listeners) l(event);
  }

  onEvent(listener: (event: EngineHostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  kill(): void {
    this.#transport?.kill();
  }

  /** One request and its one answer; `signal` sends an abort for it (the host answers with its error). */
  async #call(
    build: (id: number) => ClientMessage,
    signal?: AbortSignal,
  ): Promise<number | EngineInfo | PrefillResult | ScoreResult | ContextView> {
    await this.start();
    const id = this.#nextId++;
    const transport = this.#transport!;
    const onAbort = (): void => transport.post({ type: 'abort', id });
    return new Promise<number | EngineInfo | PrefillResult | ScoreResult | ContextView>((resolve, reject) => {
      this.#pending.set(id, {
        onMessage: (m) => {
          this.#pending.delete(id);
          if (m.type === 'result') resolve(m.value);
          else if (m.type === 'error') reject(new EngineHostError(m.error));
        },
        onExit: (reason) => reject(new Error(reason)),
      });
      transport.post(build(id));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    }).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  async info(): Promise<EngineInfo> {
    return (await this.#call((id) => ({ type: 'info', id }))) as EngineInfo;
  }

  async countTokens(text: string): Promise<number> {
    return (await this.#call((id) => ({ type: 'countTokens', id, text }))) as number;
  }

  async prefill(request: PrefillRequest): Promise<PrefillResult> {
    return (await this.#call((id) => ({ type: 'prefill', id, request }))) as PrefillResult;
  }

  async score(request: ScoreRequest, signal?: AbortSignal): Promise<ScoreResult> {
    return (await this.#call((id) => ({ type: 'score', id, request }), signal)) as ScoreResult;
  }

  async inspectContext(request: PrefillRequest): Promise<ContextView> {
    return (await this.#call((id) => ({ type: 'inspect', id, request }))) as ContextView;
  }

  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    await this.start();
    const transport = this.#transport!;
    const id = this.#nextId++;
    const queue: GenerationEvent[] = [];
    let finished: { error?: Error } | null = null;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      wake?.();
      wake = null;
    };
    this.#pending.set(id, {
      onMessage: (m) => {
        if (m.type === 'event') queue.push(m.event);
        else if (m.type === 'end') finished = {};
        else if (m.type === 'error') finished = { error: new EngineHostError(m.error) };
        notify();
      },
      onExit: (reason) => {
        finished = { error: new Error(`the engine stopped: ${reason}`) };
        notify();
      },
    });
    const onAbort = (): void => transport.post({ type: 'abort', id });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      transport.post({ type: 'generate', id, request });
      if (signal?.aborted) onAbort();
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        const end = finished as { error?: Error } | null;
        if (end) {
          if (end.error) throw end.error;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A consumer that stops early must not leave the host generating.
      if (!finished) onAbort();
      this.#pending.delete(id);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#scheduled) {
      clearTimeout(this.#scheduled.timer);
      // Closed on purpose: no failure for the writer to act on, so a plain error.
      this.#scheduled.settle(Promise.reject(new Error('The engine was closed.')));
      this.#scheduled = null;
    }
    this.#transport?.kill();
    this.#transport = null;
  }
}

export async function startEngineHost(options: EngineLoadOptions, spawn?: SpawnHost, policy?: RestartPolicy): Promise<EngineHost> {
  const client = new EngineHostClient(options, spawn, policy);
  try {
    await client.start();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
