import { countWords } from '../../electron/common/word-count.js';

/** The part of a Monaco text model the counter reads (a plain object in tests). */
export interface LineSource {
  getVersionId(): number;
  getLineCount(): number;
  getLineContent(lineNumber: number): string;
  isDisposed(): boolean;
}

export interface WordCounterOptions {
  /** Longest stretch of counting before giving the frame back. */
  sliceMs?: number;
  now?: () => number;
  /** How to wait between slices; a timer by default so input and paint run in between. */
  yieldToFrame?: (next: () => void) => void;
  /** Counts one line; the one word count unless a test wants to watch the calls. */
  countLine?: (line: string) => number;
}

/**
 * Counts a draft's words for the status bar without freezing the editor: the same count the library gives
 * the Draft panel (electron/common/word-count.ts), walked over the model line by line in slices of a few
 * milliseconds, never joining the lines into one string (no word spans a line break, so the sum of the
 * lines' counts is the text's count). Lines counted in the previous pass are looked up by content, so
 * after a keystroke only the edited lines are counted again.
 */
export class WordCounter {
  #counts = new Map<string, number>();
  #job = 0;
  readonly #sliceMs: number;
  readonly #now: () => number;
  readonly #yield: (next: () => void) => void;
  readonly #countLine: (line: string) => number;

  constructor(options: WordCounterOptions = {}) {
    this.#sliceMs = options.sliceMs ?? 6;
    this.#now = options.now ?? (() => performance.now());
    this.#yield = options.yieldToFrame ?? ((next) => setTimeout(next, 0));
    this.#countLine = options.countLine ?? countWords;
  }

  /**
   * Counts `model` and calls `done` with the total, unless the model changes, is disposed or another
   * count starts first (the caller asks again after the next change, so a stale total is never shown).
   */
  count(model: LineSource, done: (words: number) => void): void {
    const job = ++this.#job;
    const version = model.getVersionId();
    const previous = this.#counts;
    const next = new Map<string, number>();
    let line = 1;
    let total = 0;
    const step = () => {
      if (job !== this.#job || model.isDisposed() || model.getVersionId() !== version) return;
      const lines = model.getLineCount();
      const until = this.#now() + this.#sliceMs;
      // Checking the clock every line would cost more than short lines do.
      while (line <= lines) {
        const end = Math.min(lines, line + 63);
        for (; line <= end; line++) {
          const text = model.getLineContent(line);
          let words = next.get(text) ?? previous.get(text);
          if (words === undefined) words = this.#countLine(text);
          next.set(text, words);
          total += words;
        }
        if (this.#now() >= until) break;
      }
      if (line <= lines) {
        this.#yield(step);
        return;
      }
      this.#counts = next;
      done(total);
    };
    step();
  }

  /** Stops a count in progress (the editor is going away). */
  cancel(): void {
    this.#job += 1;
  }
}
