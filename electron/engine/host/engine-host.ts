/**
 * The client of an engine host. Inference blocks the thread that runs it (onnxruntime-node's run() is
 * synchronous inside), so the model lives in a child process here, or a utilityProcess under Electron,
 * and the caller's thread stays free. If the host dies, in-flight requests fail, the host is restarted
 * at once, and the next request is served by the new one.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type {
  EngineHost,
  EngineHostEvent,
  EngineInfo,
  EngineLoadOptions,
  GenerateRequest,
  GenerationEvent,
  PrefillRequest,
  PrefillResult,
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

/** The host entry runs as TypeScript under tsx in development and tests, as JavaScript when built. */
export function spawnProcessHost(): HostTransport {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(isTs ? './process-entry.ts' : './process-entry.js', import.meta.url));
  const child = fork(entry, [], {
    execArgv: isTs ? ['--import', 'tsx'] : [],
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

export class EngineHostClient implements EngineHost {
  private transport: HostTransport | null = null;
  private ready: Promise<EngineInfo> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: EngineHostEvent) => void>();
  private closed = false;

  constructor(
    private options: EngineLoadOptions,
    private readonly spawn: SpawnHost = spawnProcessHost,
  ) {}

  /** Resolves or rejects the load in flight on the current transport. */
  private loadWaiter: { resolve(info: EngineInfo): void; reject(error: Error): void } | null = null;

  /** Starts the host and loads the model; rejects with the host's error (e.g. a ModelLoadError). */
  start(): Promise<EngineInfo> {
    if (this.ready) return this.ready;
    const transport = this.spawn();
    this.transport = transport;
    transport.onMessage((message) => {
      if (message.type === 'loaded') this.loadWaiter?.resolve(message.info);
      else if (message.type === 'load-failed') this.loadWaiter?.reject(new EngineHostError(message.error));
      else if ('id' in message) this.pending.get(message.id)?.onMessage(message);
    });
    transport.onExit((reason) => {
      this.loadWaiter?.reject(new Error(reason));
      this.handleExit(transport, reason);
    });
    return this.load(transport);
  }

  private load(transport: HostTransport): Promise<EngineInfo> {
    this.ready = new Promise<EngineInfo>((resolve, reject) => {
      this.loadWaiter = { resolve, reject };
    });
    // A failed load leaves the host alive (another model can be loaded); the rejection is the caller's to show.
    this.ready.catch(() => undefined);
    transport.post({ type: 'load', options: this.options });
    return this.ready;
  }

  /** Loads another model into the running host (after a failed load, or when the writer switches models). */
  reload(options: EngineLoadOptions): Promise<EngineInfo> {
    this.options = options;
    if (!this.transport) return this.start();
    return this.load(this.transport);
  }

  private handleExit(transport: HostTransport, reason: string): void {
    if (this.transport !== transport) return;
    this.transport = null;
    this.ready = null;
    this.loadWaiter = null;
    for (const p of [...this.pending.values()]) p.onExit(reason);
    this.pending.clear();
    if (this.closed) return;
    this.emit({ type: 'crashed', reason });
    this.start().then(
      () => this.emit({ type: 'restarted', reason }),
      () => undefined,
    );
  }

  private emit(event: EngineHostEvent): void {
    for (const l of this.listeners) l(event);
  }

  onEvent(listener: (event: EngineHostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  kill(): void {
    this.transport?.kill();
  }

  private async call(build: (id: number) => ClientMessage): Promise<number | EngineInfo | PrefillResult> {
    await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        onMessage: (m) => {
          this.pending.delete(id);
          if (m.type === 'result') resolve(m.value);
          else if (m.type === 'error') reject(new EngineHostError(m.error));
        },
        onExit: (reason) => reject(new Error(reason)),
      });
      this.transport!.post(build(id));
    });
  }

  async info(): Promise<EngineInfo> {
    return (await this.call((id) => ({ type: 'info', id }))) as EngineInfo;
  }

  async countTokens(text: string): Promise<number> {
    return (await this.call((id) => ({ type: 'countTokens', id, text }))) as number;
  }

  async prefill(request: PrefillRequest): Promise<PrefillResult> {
    return (await this.call((id) => ({ type: 'prefill', id, request }))) as PrefillResult;
  }

  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    await this.start();
    const transport = this.transport!;
    const id = this.nextId++;
    const queue: GenerationEvent[] = [];
    let finished: { error?: Error } | null = null;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      wake?.();
      wake = null;
    };
    this.pending.set(id, {
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
      this.pending.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.transport?.kill();
    this.transport = null;
  }
}

export async function startEngineHost(options: EngineLoadOptions, spawn?: SpawnHost): Promise<EngineHost> {
  const client = new EngineHostClient(options, spawn);
  try {
    await client.start();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
