/**
 * What is not worth showing as ghost text. Each rule looks at one suggestion (already fitted to the cursor)
 * and the text around the cursor; the provider counts how often each fires (the status bar's hover, the
 * debug log), so a rule that throws away too much shows itself.
 */

export const SUGGESTION_FILTERS = ['blank', 'repeat', 'end-of-text', 'split-word'] as const;
export type SuggestionFilter = (typeof SUGGESTION_FILTERS)[number];
export type FilterCounts = Record<SuggestionFilter, number>;

export function noFilterCounts(): FilterCounts {
  return { blank: 0, repeat: 0, 'end-of-text': 0, 'split-word': 0 };
}

export interface CursorText {
  /** The text before the cursor (its end is what matters). */
  readonly before: string;
  /** The text after the cursor on the same paragraph ('' at the end of one). */
  readonly after: string;
}

/**
 * The end-of-text markers a model can spell out as plain text: GPT-2's, and the BERT-vocabulary Chinese models'
 * (the engine stops at the token itself; these are the same words written piece by piece).
 */
const END_OF_TEXT_MARKERS = ['<|endoftext|>', '[SEP]'] as const;

/** The first rule a suggestion breaks, or null when it is worth showing. */
export function filterFor(suggestion: string, around: CursorText): SuggestionFilter | null {
  if (isBlank(suggestion)) return 'blank';
  if (holdsEndOfText(suggestion)) return 'end-of-text';
  if (splitsWord(suggestion, around)) return 'split-word';
  if (repeatsPrecedingSentence(suggestion, around.before)) return 'repeat';
  return null;
}

/** Only whitespace and punctuation: nothing a writer would take. */
export function isBlank(suggestion: string): boolean {
  return /^[\s\p{P}]*$/u.test(suggestion);
}

/** The end-of-text marker, whole or cut off at the suggestion's end ("…<|endo" when the length ran out). */
export function holdsEndOfText(suggestion: string): boolean {
  return END_OF_TEXT_MARKERS.some((marker) => {
    if (suggestion.includes(marker)) return true;
    for (let length = marker.length - 1; length >= 2; length--) if (suggestion.endsWith(marker.slice(0, length))) return true;
    return false;
  });
}

// Letters and digits of scripts that put spaces between words. In Chinese, Japanese, Thai and the like any two
// characters may meet at a word boundary, so no suggestion can be said to split a word there.
const WORD_CHARACTER = /[\p{L}\p{M}\p{N}]/u;
const UNSPACED_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

function isSpacedWordCharacter(character: string | undefined): boolean {
  return character !== undefined && WORD_CHARACTER.test(character) && !UNSPACED_SCRIPT.test(character);
}

/** The last character of a string (a whole code point, so an astral letter counts as one). */
function lastCharacter(text: string): string | undefined {
  const last = text.at(-1);
  if (last === undefined) return undefined;
  return /[\uDC00-\uDFFF]/.test(last) && text.length > 1 ? text.slice(-2) : last;
}

/**
 * The cursor stands inside a word ("light|house": letters on both sides, as when the writer goes back into a
 * paragraph and types there). A suggestion that does not start with a letter would break that word in two;
 * one that starts with a letter continues it ("light" + "ning struck the " + "house"), and is kept.
 */
export function splitsWord(suggestion: string, around: CursorText): boolean {
  if (!isSpacedWordCharacter(lastCharacter(around.before))) return false;
  if (!isSpacedWordCharacter(String.fromCodePoint(around.after.codePointAt(0) ?? 32))) return false;
  return !isSpacedWordCharacter(String.fromCodePoint(suggestion.codePointAt(0) ?? 32));
}

const SENTENCE_END = /[.!?。！？…‽][\p{Pf}\p{Pe}"'’”»」』）)]*\s*$/u;
/** Far more than two sentences; the sentence segmenter need not read the whole draft. */
const SENTENCE_LOOKBACK_CHARS = 4000;
let sentenceSegmenter: Intl.Segmenter | null = null;

/** Words, for comparing word for word: runs of whitespace are one space, and the ends are trimmed. */
function words(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The suggestion would make the sentence being written a word-for-word copy of the one before it ("He walked
 * home. He walked home."), the loop small models fall into. The sentence being written is the text after the
 * last sentence end (empty right after one); the suggestion must add at least part of the copy.
 */
export function repeatsPrecedingSentence(suggestion: string, before: string): boolean {
  sentenceSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'sentence' });
  const tail = before.slice(-SENTENCE_LOOKBACK_CHARS);
  const sentences = [...sentenceSegmenter.segment(tail)].map((segment) => segment.segment);
  const last = sentences.at(-1) ?? '';
  // A line break ends a sentence too (a paragraph without a full stop, a line of verse).
  const lastIsWhole = SENTENCE_END.test(last) || /\n\s*$/.test(last);
  const previous = words((lastIsWhole ? last : sentences.at(-2)) ?? '');
  const current = words(lastIsWhole ? '' : last);
  if (previous.length === 0 || current.length >= previous.length) return false;
  return words(`${lastIsWhole ? '' : last}${suggestion}`).startsWith(previous);
}

/** Suggestions that pass every rule, in order, and the rule each of the others broke. */
export function filterSuggestions(
  suggestions: readonly string[],
  around: CursorText,
): { kept: string[]; dropped: { suggestion: string; filter: SuggestionFilter }[] } {
  const kept: string[] = [];
  const dropped: { suggestion: string; filter: SuggestionFilter }[] = [];
  for (const suggestion of suggestions) {
    const filter = filterFor(suggestion, around);
    if (filter) dropped.push({ suggestion, filter });
    else kept.push(suggestion);
  }
  return { kept, dropped };
}
