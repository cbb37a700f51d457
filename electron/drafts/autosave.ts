import type { Clock } from './clock.js';

export interface AutosaveOptions<K> {
  clock: Clock;
  /** Saves one key; rejects when the save failed (the key stays pending and is retried). */
  save: (key: K) => Promise<void>;
  onError?: (key: K, err: unknown) => void;
  /** Quiet time after the last change before saving. */
  delayMs?: number;
  /** Longest a change may wait while the writer keeps typing without a pause. */
  maxDelayMs?: number;
  /** First retry after a failed save; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

interface Slot {
  timer: unknown;
  dirtySince: number | null;
  /** Bumped by every change, so a save that started before a change does not clear it. */
  version: number;
  inFlight: Promise<void> | null;
  failures: number;
}

/**
 * Decides when to save, nothing else: debounce after the last change, cap the wait during long typing
 * runs, never run two saves of one key at once, retry failures with backoff, and flush on demand
 * (blur, close, quit).
 */
export class AutosaveScheduler<K> {
  readonly #slots = new Map<K, Slot>();
  readonly #delayMs: number;
  readonly #maxDelayMs: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  #disposed = false;

  readonly #opts: AutosaveOptions<K>;

  constructor(opts: AutosaveOptions<K>) {
    this.#opts = opts;
    this.#delayMs = opts.delayMs ?? 1000;
    this.#maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.#retryMs = opts.retryMs ?? 2000;
    this.#maxRetryMs = opts.maxRetryMs ?? 60_000;
  }

  #slot(key: K): Slot {
    let s = this.#slots.get(key);
    if (!s) {
      s = { timer: undefined, dirtySince: null, version: 0, inFlight: null, failures: 0 };
      this.#slots.set(key, s);
    }
    return s;
  }

  #arm(key: K, s: Slot, ms: number): void {
    if (s.timer !== undefined) this.#opts.clock.clearTimeout(s.timer);
    s.timer = this.#opts.clock.setTimeout(
      () => {
        s.timer = undefined;
        void this.#run(key).catch(() => undefined);
      },
      Math.max(0, ms),
    );
  }

  /** Call on every edit. */
  changed(key: K): void {
    if (this.#disposed) return;
    const s = this.#slot(key);
    const now = this.#opts.clock.now();
    s.version++;
    s.dirtySince ??= now;
    s.failures = 0;
    // A save already running will notice the new version and re-arm when it finishes.
    if (s.inFlight) return;
    const capped = Math.min(this.#delayMs, s.dirtySince + this.#maxDelayMs - now);
    this.#arm(key, s, capped);
  }

  isPending(key: K): boolean {
    const s = this.#slots.get(key);
    return s !== undefined && s.dirtySince !== null;
  }

  async #run(key: K): Promise<void> {
    const s = this.#slots.get(key);
    if (!s) return;
    if (s.inFlight) return s.inFlight;
    if (s.dirtySince === null) return;
    const version = s.version;
    const attempt = (async () => {
      try {
        await this.#opts.save(key);
        s.failures = 0;
        if (s.version === version) s.dirtySince = null;
      } catch (err) {
        s.failures++;
        this.#opts.onError?.(key, err);
        throw err;
      } finally {
        s.inFlight = null;
        if (!this.#disposed && s.dirtySince !== null && s.timer === undefined) {
          const backoff = s.failures > 0 ? Math.min(this.#maxRetryMs, this.#retryMs * 2 ** (s.failures - 1)) : this.#delayMs;
          this.#arm(key, s, backoff);
        }
      }
    })();
    s.inFlight = attempt;
    return attempt;
  }

  /**
   * Saves now: one key, or every pending key. Waits for a save already running, then saves again if
   * changes arrived meanwhile. Rejects with the first failure so the caller (quit) can tell the writer.
   */
  async flush(key?: K): Promise<void> {
    const keys = key === undefined ? [...this.#slots.keys()] : [key];
    const errors: unknown[] = [];
    await Promise.all(
      keys.map(async (k) => {
        const s = this.#slots.get(k);
        if (!s) return;
        try {
          if (s.inFlight) await s.inFlight.catch(() => undefined);
          if (s.timer !== undefined) {
            this.#opts.clock.clearTimeout(s.timer);
            s.timer = undefined;
          }
          if (s.dirtySince !== null) await this.#run(k);
        } catch (err) {
          errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** Forgets a key without saving (the draft was closed after a flush, or deleted). */
  cancel(key: K): void {
    const s = this.#slots.get(key);
    if (!s) return;
    if (s.timer !== undefined) this.#opts.clock.clearTimeout(s.timer);
    this.#slots.delete(key);
  }

  dispose(): void {
    this.#disposed = true;
    for (const s of this.#slots.values()) if (s.timer !== undefined) this.#opts.clock.clearTimeout(s.timer);
    this.#slots.clear();
  }
}
