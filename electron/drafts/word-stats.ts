/** Words per draft and per day, against the writer's daily goal (kept in library.json). */
import { countWords } from '../common/word-count.js';
import type { LibraryParts } from './catalog.js';
import { localDay } from './clock.js';
import { wordsAtStartOf } from './draft-buffer.js';
import { checkId, readMeta } from './draft-folder.js';
import { DraftError } from './errors.js';

export interface WordStats {
  words: number;
  /** Net words added today (local day); negative when the writer cut more than they wrote. */
  today: number;
  dailyGoal: number | null;
}

export class DraftWords {
  readonly #parts: LibraryParts;

  constructor(parts: LibraryParts) {
    this.#parts = parts;
  }

  setDailyGoal(goal: number | null): Promise<void> {
    if (goal !== null && (!Number.isInteger(goal) || goal <= 0))
      throw new DraftError('invalid-input', 'A daily goal is a whole number of words above zero.');
    this.#parts.ctx.state.state.dailyGoal = goal;
    return this.#parts.ctx.state.write();
  }

  /** One draft's count, or with no id, today's words across the library. */
  async stats(id?: string): Promise<WordStats> {
    const day = localDay(this.#parts.ctx.clock.now());
    const dailyGoal = this.#parts.ctx.state.state.dailyGoal;
    if (id !== undefined) {
      const b = await this.#parts.buffers.load(checkId(id));
      const words = countWords(b.text);
      return { words, today: words - wordsAtStartOf(b, day), dailyGoal };
    }
    let words = 0;
    let today = 0;
    for (const d of await this.#parts.catalog.list()) {
      if (this.#parts.buffers.has(d.id)) {
        const b = this.#parts.buffers.buffer(d.id);
        const w = countWords(b.text);
        words += w;
        today += w - wordsAtStartOf(b, day);
      } else {
        const { meta } = await readMeta(this.#parts.ctx.fs, this.#parts.ctx.root, d.id, new Date(0).toISOString());
        words += d.words;
        const e = meta.wordHistory[day];
        if (e) today += e.end - e.start;
      }
    }
    return { words, today, dailyGoal };
  }
}
