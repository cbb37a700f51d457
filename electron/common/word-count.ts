/**
 * The one word count, for the status bar, the Draft panel, the library list, snapshots and daily goals.
 *
 * The rule, as writers count:
 * - Chinese, Japanese and Korean count by character (字数): each Han, Hiragana, Katakana or Hangul
 *   character is one. So do the other scripts written without spaces between words (Thai, Lao, Khmer,
 *   Myanmar, Tibetan).
 * - Everything else counts runs of letters and digits. An apostrophe, hyphen or point joins two runs only
 *   when a letter or digit stands right on both sides: "don't", "well-known" and "3.14" are one word each;
 *   a dash between spaces ("back - the", "back — the") is no word, and "well - known" is two.
 * - Markdown markup (#, *, _), punctuation and emoji are not letters, so they never count.
 *
 * It runs on every save of drafts up to tens of megabytes, so it walks code units against a lookup
 * table instead of allocating a match object per word. No word spans a line break, so a text's count is
 * the sum of its lines' counts (the status bar counts a long draft line by line between frames).
 */
const SEP = 0;
const WORD = 1;
const PER_CHAR = 2;
const JOINER = 3;

const perCharacter =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const wordChar = /[\p{L}\p{N}\p{M}]/u;
const joiners = new Set(["'", '’', '-', '.']);

function classify(ch: string): number {
  if (perCharacter.test(ch)) return PER_CHAR;
  if (wordChar.test(ch)) return WORD;
  if (joiners.has(ch)) return JOINER;
  return SEP;
}

// Filled on first sight of each code unit: a draft uses a few hundred distinct characters, so this
// costs far less than classifying all 65,536 up front (which delayed the first count by ~100 ms).
const UNKNOWN = 255;
const bmp = new Uint8Array(0x10000).fill(UNKNOWN);
function classOf(c: number): number {
  let cls = bmp[c]!;
  if (cls === UNKNOWN) {
    cls = c >= 0xd800 && c <= 0xdfff ? SEP : classify(String.fromCharCode(c));
    bmp[c] = cls;
  }
  return cls;
}

export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    let cls: number;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      cls = classify(String.fromCodePoint(text.codePointAt(i)!));
      i++;
    } else {
      cls = classOf(c);
    }
    if (cls === WORD) {
      if (!inWord) n++;
      inWord = true;
    } else if (cls === PER_CHAR) {
      n++;
      inWord = false;
    } else if (cls === JOINER) {
      // Only joins when a word continues right after it ("don't"), not at the end of a sentence.
      const next = i + 1 < len ? classOf(text.charCodeAt(i + 1)) : SEP;
      if (!(inWord && next === WORD)) inWord = false;
    } else {
      inWord = false;
    }
  }
  return n;
}
