/** Speed over a sliding window (a single burst or stall should not swing the ETA), and the progress event's shape. */
export type DownloadPhase = 'resolving' | 'downloading' | 'verifying' | 'installing';

export interface DownloadProgress {
  readonly variantId: string;
  readonly phase: DownloadPhase;
  /** Bytes of the whole model on disk (files done plus the current file's part). */
  readonly bytes: number;
  /** Bytes of the whole model; exact once the hub has answered, the catalog's estimate before. */
  readonly total: number;
  readonly bytesPerSecond: number;
  /** Seconds left at the current speed; null while the speed is unknown. */
  readonly etaSeconds: number | null;
  /** The file being fetched or checked. */
  readonly file: string | null;
  readonly fileIndex: number;
  readonly fileCount: number;
}

export class SpeedMeter {
  readonly #samples: { t: number; received: number }[] = [];
  #received = 0;

  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(windowMs = 5000, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Bytes that came over the wire this session (not those found on disk when resuming). */
  add(bytes: number): void {
    if (bytes > 0) this.#received += bytes;
    this.#sample();
  }

  bytesPerSecond(): number {
    this.#sample();
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined || last.t - first.t < 200) return 0;
    return ((last.received - first.received) * 1000) / (last.t - first.t);
  }

  #sample(): void {
    const t = this.#now();
    const n = this.#samples.length;
    const last = this.#samples[n - 1];
    // Coalesce samples closer than 100 ms so a fast link keeps the window small.
    if (last !== undefined && n > 1 && t - this.#samples[n - 2]!.t < 100) {
      last.t = t;
      last.received = this.#received;
    } else this.#samples.push({ t, received: this.#received });
    while (this.#samples.length > 2 && t - this.#samples[1]!.t > this.#windowMs) this.#samples.shift();
  }
}

export function etaSeconds(remaining: number, bytesPerSecond: number): number | null {
  if (remaining <= 0) return 0;
  if (bytesPerSecond <= 0) return null;
  return Math.ceil(remaining / bytesPerSecond);
}
