/**
 * Fills the engine's prefix cache ahead of the next request: the editor sends the text a suggestion on screen
 * would leave before the cursor once accepted, so the suggestion asked for right after Tab reads nothing twice.
 * Any page may ask, so the work it can queue is bounded: one prefill runs, at most one waits, and a newer wish
 * replaces the waiting one (which answers null).
 */
import type { Engine, PrefillRequest, PrefillResult } from '../engine/types.js';

interface Wish {
  readonly request: PrefillRequest;
  resolve(result: PrefillResult | null): void;
  reject(error: unknown): void;
}

export class CacheWarmer {
  readonly #engine: () => Engine | null;
  #waiting: Wish | null = null;
  #running = false;

  constructor(engine: () => Engine | null) {
    this.#engine = engine;
  }

  /** The prefill's result once it ran, or null when a newer wish replaced this one before it could run. */
  warm(request: PrefillRequest): Promise<PrefillResult | null> {
    return new Promise((resolve, reject) => {
      this.#waiting?.resolve(null);
      this.#waiting = { request, resolve, reject };
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    for (let wish = this.#waiting; wish; wish = this.#waiting) {
      this.#waiting = null;
      const engine = this.#engine();
      try {
        if (!engine) throw new Error('No model is loaded.');
        wish.resolve(await engine.prefill(wish.request));
      } catch (error) {
        wish.reject(error);
      }
    }
    this.#running = false;
  }
}
