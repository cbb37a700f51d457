/**
 * store.json: the active model, the speeds measured on this machine, and the SHA-256 of every file as first
 * downloaded (trust on first use). Writes are queued so two never interleave.
 */
import { z } from 'zod';
import { readJsonValidated, writeJsonAtomic } from '../disk/json-file.js';
import { precisionSchema } from '../common/generation.js';

const Benchmark = z.object({
  tokensPerSecond: z.number().positive().finite(),
  /** The execution provider it ran on: 'cuda', 'cpu'... */
  device: z.string().min(1),
  precision: precisionSchema.nullable(),
  measuredAt: z.string(),
});
export type Benchmark = z.infer<typeof Benchmark>;

const TrustedFile = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() });
export type TrustedFile = z.infer<typeof TrustedFile>;

/** What a repository's files were at a commit when this machine first downloaded them. */
const TrustedRevision = z.object({
  firstSeen: z.string(),
  files: z.record(z.string(), TrustedFile),
});

const StoreStateSchema = z.object({
  schemaVersion: z.literal(1),
  active: z.string().nullable(),
  benchmarks: z.record(z.string(), Benchmark),
  /** By `<repo>@<commit>`. */
  trusted: z.record(z.string(), TrustedRevision).default({}),
});
export type StoreState = z.infer<typeof StoreStateSchema>;

const EMPTY: StoreState = { schemaVersion: 1, active: null, benchmarks: {}, trusted: {} };

export function trustKey(repo: string, revision: string): string {
  return `${repo}@${revision}`;
}

export class StoreStateFile {
  #queue: Promise<unknown> = Promise.resolve();

  readonly #file: string;
  readonly #onInvalid: (reason: string) => void;

  constructor(file: string, onInvalid: (reason: string) => void = () => undefined) {
    this.#file = file;
    this.#onInvalid = onInvalid;
  }

  async read(): Promise<StoreState> {
    await this.#queue.catch(() => undefined);
    return (await readJsonValidated(this.#file, StoreStateSchema, this.#onInvalid)) ?? structuredClone(EMPTY);
  }

  /** Read-modify-write under the queue, so concurrent updates (a benchmark and a model switch) both land. */
  update(change: (state: StoreState) => void): Promise<StoreState> {
    const next = this.#queue
      .catch(() => undefined)
      .then(async () => {
        const state = (await readJsonValidated(this.#file, StoreStateSchema, this.#onInvalid)) ?? structuredClone(EMPTY);
        change(state);
        await writeJsonAtomic(this.#file, state);
        return state;
      });
    this.#queue = next;
    return next;
  }
}
