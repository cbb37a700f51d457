/**
 * Where a WordPiece decode must not put a space back. BERT's pre-tokenizer splits every CJK ideograph and
 * every punctuation mark into its own token, so the spaces its decoder joins tokens with are mostly not in
 * the original text. Chinese and Japanese are written without spaces; Latin words keep theirs.
 */

/**
 * Ideographs (BERT's "Chinese characters"), kana, and the CJK punctuation and full-width forms around them: the
 * scripts written without spaces between words.
 */
export const CJK_CHARACTER =
  /[\u2E80-\u2FDF\u3000-\u303F\u3040-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\u{20000}-\u{2FA1F}]/u;
/** Closing marks hug the word before them. */
const CLOSES = /^[\p{Pe}\p{Pf}.,!?;:%]/u;
/** Opening marks hug the word after them. */
const OPENS = /[\p{Ps}\p{Pi}]$/u;
const DIGIT_SEPARATED = /\d[.,:]$/u;
const CONTRACTION_TAIL = /^(?:t|s|m|d|ll|re|ve)$/u;

function lastChar(text: string): string {
  const cp = text.codePointAt(text.length - 1);
  if (cp === undefined) return '';
  // A trailing low surrogate: step back to the whole astral character.
  return cp >= 0xdc00 && cp <= 0xdfff && text.length >= 2 ? text.slice(-2) : text.slice(-1);
}

/**
 * Whether a space goes between the text decoded so far (its last few characters suffice) and the next whole
 * word token. Pairwise by design: the stream decoder emits each token as it comes and must agree with decode().
 */
export function spaceBetween(before: string, word: string): boolean {
  if (before === '' || word === '') return false;
  const prev = lastChar(before);
  const next = String.fromCodePoint(word.codePointAt(0) ?? 0x20);
  if (CJK_CHARACTER.test(prev) || CJK_CHARACTER.test(next)) return false;
  if (CLOSES.test(word) || OPENS.test(before)) return false;
  // "3 . 14" and "1 , 000" were one number.
  if (DIGIT_SEPARATED.test(before) && /^\d/u.test(word)) return false;
  // "don ' t" was "don't".
  if (word === "'" && /\p{L}$/u.test(before)) return false;
  if (before.endsWith("'") && CONTRACTION_TAIL.test(word) && /\p{L}'$/u.test(before)) return false;
  return true;
}
