/**
 * The app's tie to a server engine: connects, follows how the server does (every request reports, and a quiet
 * check of its model list runs in between), and turns that into the engine state the status bar and the notices
 * read. A server that is down or refusing leaves the engine unavailable, so the editor never waits on it, and is
 * tried again every few seconds until it answers.
 */
import type { RemoteEngineStatus, RemoteProblem } from '../../shared/api.js';
import type { EngineSettings } from '../../common/settings.js';
import { errorMessage } from '../../common/error-message.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, RemoteEngine, type RemoteHealth } from './remote-engine.js';

export interface RemoteLinkState {
  readonly status: 'loading' | 'ready' | 'failed';
  readonly remote: RemoteEngineStatus;
  /** In English, for logs and the command line; the app words its notices from `remote`. */
  readonly message: string | null;
}

export interface RemoteLinkTiming {
  /** Between checks while the server answers. */
  readonly checkEveryMs: number;
  /** Between tries while it does not. */
  readonly retryEveryMs: number;
  /** A first token slower than this makes the status bar say the server is slow. */
  readonly slowMs: number;
  /** How long the server may take to start answering, or go quiet in a stream, before it counts as down. */
  readonly answerTimeoutMs: number;
}

/** The app's timing; tests pass shorter ones (AppServicesOptions.remoteTiming, or RemoteLink's own argument). */
export const DEFAULT_REMOTE_TIMING: RemoteLinkTiming = {
  checkEveryMs: 15_000,
  retryEveryMs: 5_000,
  slowMs: 4_000,
  answerTimeoutMs: DEFAULT_ANSWER_TIMEOUT_MS,
};

/** Statuses after which the server cannot serve the next request either: down, not ours to use, or broken. */
function serverWideFailure(status: number | null): boolean {
  return status === null || status === 401 || status === 403 || status === 404 || status >= 500;
}

export class RemoteLink {
  readonly #settings: Pick<EngineSettings, 'url' | 'apiKey' | 'model'>;
  readonly #onState: (state: RemoteLinkState) => void;
  readonly #timing: RemoteLinkTiming;
  #engine: RemoteEngine | null = null;
  #state: RemoteLinkState;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #checking: AbortController | null = null;
  #closed = false;

  constructor(
    settings: Pick<EngineSettings, 'url' | 'apiKey' | 'model'>,
    onState: (state: RemoteLinkState) => void,
    timing: RemoteLinkTiming = DEFAULT_REMOTE_TIMING,
  ) {
    this.#settings = settings;
    this.#onState = onState;
    this.#timing = timing;
    this.#state = {
      status: 'loading',
      remote: { url: settings.url, model: null, contextWindow: null, latencyMs: null, problem: null, detail: null },
      message: `Reaching the server at ${settings.url}…`,
    };
  }

  get state(): RemoteLinkState {
    return this.#state;
  }

  /** The engine to generate with while the server answers; null while it is being reached or is down. */
  get engine(): RemoteEngine | null {
    return this.#state.status === 'ready' ? this.#engine : null;
  }

  /** Reaches the server the first time; resolves when it has answered or failed (never throws). */
  async start(): Promise<void> {
    this.#publish(this.#state);
    await this.#check();
  }

  /** Tries the server now (the writer asked to restart the engine). */
  reconnect(): void {
    void this.#check();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#checking?.abort();
    await this.#engine?.close();
  }

  async #check(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#checking?.abort();
    const checking = new AbortController();
    this.#checking = checking;
    try {
      if (this.#engine) await this.#engine.check(checking.signal);
      else {
        this.#engine = await RemoteEngine.connect({
          ...this.#settings,
          answerTimeoutMs: this.#timing.answerTimeoutMs,
          onHealth: (health) => this.#health(health),
        });
      }
    } catch (error) {
      // A failure the engine could not report itself (a URL it could not even parse).
      if (!checking.signal.aborted && this.#state.status !== 'failed') this.#fail('unreachable', errorMessage(error));
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    const wait = this.#state.status === 'ready' ? this.#timing.checkEveryMs : this.#timing.retryEveryMs;
    this.#timer = setTimeout(() => void this.#check(), wait);
    this.#timer.unref?.();
  }

  #health(health: RemoteHealth): void {
    if (this.#closed) return;
    if (health.ok) {
      const slow = health.latencyMs > this.#timing.slowMs;
      this.#publish({
        status: 'ready',
        remote: {
          ...this.#state.remote,
          model: health.model.id,
          contextWindow: health.model.contextWindow,
          latencyMs: Math.round(health.latencyMs),
          problem: slow ? 'slow' : null,
          detail: null,
        },
        message: slow ? `The server at ${this.#settings.url} is slow: ${Math.round(health.latencyMs)} ms to answer.` : null,
      });
      return;
    }
    const problem: RemoteProblem = health.status === null ? 'unreachable' : 'refused';
    if (serverWideFailure(health.status)) this.#fail(problem, health.detail);
    // The server is up and refused one request (a parameter it does not take): say so, keep using it.
    else this.#publish({ status: 'ready', remote: { ...this.#state.remote, problem, detail: health.detail }, message: health.detail });
  }

  #fail(problem: RemoteProblem, detail: string): void {
    this.#publish({
      status: 'failed',
      remote: { ...this.#state.remote, problem, detail },
      message:
        problem === 'unreachable'
          ? `The server at ${this.#settings.url} is not answering (${detail}). The editor works as usual; Kaituhi tries again every few seconds.`
          : `The server at ${this.#settings.url} refuses to serve (${detail}).`,
    });
    // A request that failed is followed by a retry, not by the quiet check's longer wait (a check under way
    // schedules the next itself).
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#schedule();
    }
  }

  #publish(state: RemoteLinkState): void {
    if (this.#closed) return;
    this.#state = state;
    this.#onState(state);
  }
}
