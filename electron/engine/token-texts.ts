/**
 * Every token's text on its own, decoded once per tokenizer: the alternatives' texts, and the mask that keeps the
 * text before a banned phrase unchanged when generation backtracks (bans.ts).
 */
import type { TextTokenizer } from './tokenizer/index.js';

const cache = new WeakMap<TextTokenizer, readonly string[]>();

/** Token id -> its text ('\uFFFD' where it holds only part of a UTF-8 character). */
export function tokenTexts(tokenizer: TextTokenizer): readonly string[] {
  let texts = cache.get(tokenizer);
  if (!texts) {
    texts = Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.decode([id]));
    cache.set(tokenizer, texts);
  }
  return texts;
}
