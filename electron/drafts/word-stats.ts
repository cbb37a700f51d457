/** Words per draft and per day, against the writer's daily goal (kept in library.json). */
import { countWords } from '../common/word-count.js';
import type { DraftCatalog } from './catalog.js';
import { localDay } from './clock.js';
import type { LibraryContext } from './context.js';
import { wordsAtStartOf } from './draft-buffer.js';
import { checkId, readMeta } from './draft-folder.js';
import { DraftError } from './errors.js';
import type { OpenBuffers } from './open-buffers.js';

export interface WordStats {
  words: number;
  /** Net words added today (local day); negative when the writer cut more than they wrote. */
  today: number;
  dailyGoal: number | null;
}

export class DraftWords {
  readonly #ctx: LibraryContext;
  readonly #buffers: OpenBuffers;
  readonly #catalog: DraftCatalog;

  constructor(ctx: LibraryContext, buffers: OpenBuffers, catalog: DraftCatalog) {
    this.#ctx = ctx;
    this.#buffers = buffers;
    this.#catalog = catalog;
  }

  setDailyGoal(goal: number | null): Promise<void> {
    if (goal !== null && (!Number.isInteger(goal) || goal <= 0))
      throw new DraftError('invalid-input', 'A daily goal is a whole number of words above zero.');
    this.#ctx.state.state.dailyGoal = goal;
    return this.#ctx.state.write();
  }

  /** One draft's count, or with no id, today's words across the library. */
  async stats(id?: string): Promise<WordStats> {
    const day = localDay(this.#ctx.clock.now());
    const dailyGoal = this.#ctx.state.state.dailyGoal;
    if (id !== undefined) {
      const b = await this.#buffers.load(checkId(id));
      const words = countWords(b.text);
      return { words, today: words - wordsAtStartOf(b, day), dailyGoal };
    }
    let words = 0;
    let today = 0;
    for (const d of await this.#catalog.list()) {
      if (this.#buffers.has(d.id)) {
        const b = this.#buffers.buffer(d.id);
        const w = countWords(b.text);
        words += w;
        today += w - wordsAtStartOf(b, day);
      } else {
        const { meta } = await readMeta(this.#ctx.fs, this.#ctx.root, d.id, new Date(0).toISOString());
        words += d.words;
        const e = meta.wordHistory[day];
        if (e) today += e.end - e.start;
      }
    }
    return { words, today, dailyGoal };
  }
}
