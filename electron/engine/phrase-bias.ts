/**
 * Phrase bias: `phrase = ±strength` nudges the model towards a word or phrase (or away from it) without banning
 * it. The strength is added to the logit of the phrase's first token; once the text has begun the phrase (its last
 * tokens are the phrase's first k), it goes to the phrase's next token instead, so a phrase of several tokens is
 * carried through once begun (or abandoned sooner, for a negative strength) rather than begun again.
 *
 * A phrase is matched as tokens, in the form GPT-2 writes it where it stands: with a leading space after a word
 * (" harbour" inside a sentence), as given at the start of the text or after whitespace. CJK phrases have one form.
 * Different phrases add up.
 */
import { CJK_CHARACTER } from './tokenizer/cjk-spacing.js';

export interface BiasEntry {
  readonly phrase: string;
  readonly strength: number;
}

interface CompiledPhrase {
  /** The phrase's tokens as given. */
  readonly bare: readonly number[];
  /** With a leading space, for a phrase that begins with a letter or digit; null when that is the same. */
  readonly spaced: readonly number[] | null;
  readonly strength: number;
}

export class PhraseBias {
  readonly #phrases: readonly CompiledPhrase[];
  readonly #tokenText: (id: number) => string;

  private constructor(phrases: readonly CompiledPhrase[], tokenText: (id: number) => string) {
    this.#phrases = phrases;
    this.#tokenText = tokenText;
  }

  /** Null without entries. `tokenText` tells whether the text so far ends with whitespace. */
  static create(
    entries: readonly BiasEntry[] | undefined,
    encode: (text: string) => number[],
    tokenText: (id: number) => string,
  ): PhraseBias | null {
    if (!entries || entries.length === 0) return null;
    const phrases = entries.flatMap(({ phrase, strength }) => {
      const bare = encode(phrase);
      const wordLike = /^[\p{L}\p{N}]/u.test(phrase) && !CJK_CHARACTER.test(phrase[0]!);
      const spaced = wordLike ? encode(` ${phrase}`) : null;
      if (bare.length === 0 || strength === 0) return [];
      return [{ bare, spaced: spaced && spaced.join() !== bare.join() ? spaced : null, strength }];
    });
    return phrases.length > 0 ? new PhraseBias(phrases, tokenText) : null;
  }

  /** Adds the biases to `logits` in place, given every token so far. */
  apply(logits: Float32Array, history: readonly number[]): void {
    const last = history[history.length - 1];
    const afterSpace = last === undefined || /\s$/u.test(this.#tokenText(last));
    for (const { bare, spaced, strength } of this.#phrases) {
      const next = new Set<number>();
      for (const form of spaced ? [bare, spaced] : [bare]) {
        // k tokens of the phrase already written: its token k comes next.
        for (let k = 1; k < form.length; k++) if (endsWith(history, form, k)) next.add(form[k]!);
      }
      if (next.size === 0) next.add(spaced && !afterSpace ? spaced[0]! : bare[0]!);
      for (const t of next) if (t >= 0 && t < logits.length) logits[t] = logits[t]! + strength;
    }
  }
}

/** Whether `history` ends with the first `k` tokens of `form`. */
function endsWith(history: readonly number[], form: readonly number[], k: number): boolean {
  if (k > history.length) return false;
  const offset = history.length - k;
  for (let i = 0; i < k; i++) if (history[offset + i] !== form[i]) return false;
  return true;
}
