/** What every part of the library shares: where it lives, how it reaches the disk and the clock, and who listens. */
import type { Lorebook } from '../common/lore.js';
import type { DiskFs } from '../disk/fs-layer.js';
import type { Clock } from './clock.js';
import type { DraftError } from './errors.js';
import type { LibraryStateFile } from './library-state.js';

/** One line of the library's list: enough to show it without reading its text. */
export interface DraftSummary {
  id: string;
  title: string;
  created: string;
  modified: string;
  words: number;
  open: boolean;
  dirty: boolean;
}

export type DraftEvent =
  /** `summary` is the draft as the list should now show it, so nobody has to list the library again. */
  | { type: 'saved'; id: string; summary: DraftSummary }
  | { type: 'save-failed'; id: string; error: DraftError }
  | { type: 'journal-failed'; id: string; error: DraftError }
  | { type: 'reloaded'; id: string; text: string }
  | { type: 'conflict'; id: string; diskText: string }
  | { type: 'deleted-outside'; id: string }
  /** A series' lorebook changed through the draft `id`: the other open drafts of the series show it at once. */
  | { type: 'series-lorebook'; id: string; series: string; lorebook: Lorebook };

export class DraftEvents {
  readonly #listeners = new Set<(e: DraftEvent) => void>();

  on(listener: (e: DraftEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(e: DraftEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // A broken listener must not stop a save from completing.
      }
    }
  }
}

export interface LibraryContext {
  /** The library folder the writer chose. */
  readonly root: string;
  readonly fs: DiskFs;
  readonly clock: Clock;
  readonly events: DraftEvents;
  /** library.json: the last opened draft and the daily goal. */
  readonly state: LibraryStateFile;
  /** Throws until the library has booted (its folders exist and the journal has been replayed). */
  assertBooted(): void;
}

export function nowIso(ctx: Pick<LibraryContext, 'clock'>): string {
  return new Date(ctx.clock.now()).toISOString();
}
