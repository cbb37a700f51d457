/**
 * Decides, as decoded text streams in, where a suggestion ends and which text is safe to show already.
 *
 * The rules (all of them act on generated text only; `precedingText` serves only as look-behind for abbreviations):
 *
 * - Content: nothing stops before the generation holds a non-whitespace character. A boundary counts only if such a
 *   character comes before it, so leading whitespace or a mark that merely closes the writer's own sentence
 *   (". Then she ...") never ends a suggestion on its own.
 * - Stop strings (any `stopAt`): the first occurrence ends the generation; the text before it is emitted, the stop
 *   string is not. A stop string may arrive split over any number of pushes: a tail that could be the start of one is
 *   held back until it is decided.
 * - 'paragraph': the first newline (\n or \r) after content. Emits up to, excluding, the newline.
 * - 'sentence': a run of . ! ? … optionally followed by closing quotes/brackets ” ’ " ' ) ] » ›, then whitespace,
 *   then a character that is not a lowercase letter (or a line break). Emits through the closers. Not a boundary:
 *   a single '.' after a known abbreviation (Mr Mrs Dr St ... e.g i.e), after a single capital letter other than I
 *   (initials), or after dotted initials (U.S); a mark followed by a non-space ("3.14", "example.com"); a mark
 *   followed by a lowercase word (“Stop!” he cried. / etc. and). Also stops at a newline after content (reason
 *   'paragraph'): a sentence does not run on into the next paragraph.
 * - CJK text: Chinese and Japanese end sentences with 。！？ and …… and put no space after them. A run of those
 *   full-width marks (or of half-width ones right before a CJK character: "好!他") is a boundary whatever follows
 *   it, with closers such as 」』”’）》 included; the abbreviation and lowercase rules do not apply to them. Only
 *   a single ．，： between two digits is part of a number, as its half-width form is: ３．５, ３，０００, １０：３０.
 * - 'phrase': everything 'sentence' does, and also , ; : (followed by whitespace, so "3,000" and "10:30" do not
 *   stop) and the dashes — – ― (followed by anything but more punctuation: "waited—then" stops after the dash).
 *   Their CJK forms ，、；： stop with or without a space after, like a half-width , ; : right before a CJK
 *   character; "——" is a run of dashes. Closers after these are included too.
 * - 'none': stop strings only.
 *
 * Deciding a boundary may need the next word (is the '.' followed by "14", by " he" or by " The"?). The text up
 * to and including the marks and closers is emitted meanwhile, since whichever way it goes it belongs to the
 * suggestion; what follows them is held back until the decision.
 */
import { CJK_CHARACTER } from './tokenizer/cjk-spacing.js';
import type { StopAt, StopReason } from './types.js';

export interface StopCheck {
  /** Text safe to show now. */
  emit: string;
  stop: StopReason | null;
}

export interface StopDetectorOptions {
  stopStrings?: readonly string[];
  stopAt?: StopAt;
  /** Text before the generation, for look-behind (an abbreviation whose '.' the model writes). */
  precedingText?: string;
}

const TERMINATORS = '.!?…。｡．！？';
const PHRASE_MARKS = ',;:，、；：';
const DASHES = '—–―';
const CLOSERS = '”’"\')]»›」』）》〉】〕〗〙］｝＂＇';
/** The full-width (CJK) members of the lists above: they end a sentence or phrase with no space after them. */
const CJK_MARKS = '。｡．！？，、；：';
/** Marks that also stand inside numbers, between two digits: the decimal point, the thousands and the time separators. */
const NUMBER_MARKS = '.,:．，：';
const DIGIT = /[0-9０-９]/;
/** Look-behind kept from precedingText: enough for any abbreviation. */
const CONTEXT_CHARS = 32;

/** Words after which a single '.' does not end a sentence. Case-sensitive: "St." is a saint, "st." is rarer. */
const ABBREVIATIONS = new Set([
  'Mr',
  'Mrs',
  'Ms',
  'Mx',
  'Dr',
  'St',
  'Jr',
  'Sr',
  'Prof',
  'Rev',
  'Hon',
  'Gen',
  'Col',
  'Capt',
  'Lt',
  'Sgt',
  'Cpl',
  'Maj',
  'Adm',
  'Gov',
  'Sen',
  'Rep',
  'Pres',
  'Fr',
  'Mt',
  'Ft',
  'Ave',
  'Blvd',
  'Rd',
  'Mme',
  'Mlle',
  'Messrs',
  'vs',
  'cf',
  'approx',
  'viz',
  'al',
  'Fig',
  'fig',
  'Vol',
  'vol',
  'No',
  'pp',
  'ca',
  'Inc',
  'Ltd',
  'Co',
  'Corp',
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Sept',
  'Oct',
  'Nov',
  'Dec',
]);

function isWhitespace(ch: string): boolean {
  return /\s/u.test(ch);
}

function isNewline(ch: string): boolean {
  return ch === '\n' || ch === '\r';
}

type MarkClass = 'terminator' | 'phrase' | 'dash';

export class StopDetector {
  readonly #stopStrings: readonly string[];
  readonly #stopAt: StopAt;
  readonly #context: string;
  #generated = '';
  #emitted = 0;
  /** Boundaries before this index are decided; scanning resumes here. */
  #scanPos = 0;
  /** Index of the first non-whitespace generated character, -1 while there is none. */
  #firstContent = -1;
  #stopped: StopReason | null = null;
  #finished = false;
  /** Text from here on waits for a pending boundary decision (see scan). */
  #holdFrom = 0;

  constructor(options: StopDetectorOptions) {
    this.#stopStrings = (options.stopStrings ?? []).filter((s) => s.length > 0);
    this.#stopAt = options.stopAt ?? 'none';
    this.#context = (options.precedingText ?? '').slice(-CONTEXT_CHARS);
  }

  push(text: string): StopCheck {
    if (this.#stopped !== null || this.#finished) return { emit: '', stop: this.#stopped };
    const from = this.#generated.length;
    this.#generated += text;
    const all = this.#generated;
    if (this.#firstContent < 0) {
      const m = /\S/u.exec(text);
      if (m) this.#firstContent = from + m.index;
    }

    let stringAt = Infinity;
    for (const s of this.#stopStrings) {
      const at = all.indexOf(s, Math.max(this.#emitted, from - s.length + 1));
      if (at >= 0 && at < stringAt) stringAt = at;
    }
    const boundary = this.#stopAt === 'none' ? null : this.#scan();

    if (stringAt !== Infinity || boundary) {
      const useString = !boundary || stringAt <= boundary.cut;
      const cut = useString ? stringAt : boundary.cut;
      const emit = cut > this.#emitted ? all.slice(this.#emitted, cut) : '';
      this.#emitted = all.length;
      this.#stopped = useString ? 'stop-string' : boundary.reason;
      return { emit, stop: this.#stopped };
    }

    const safe = Math.min(all.length - this.#heldBack(), this.#stopAt === 'none' ? all.length : this.#holdFrom);
    const emit = all.slice(this.#emitted, safe);
    this.#emitted = safe;
    return { emit, stop: null };
  }

  /** End of generation: the text held back (a possible stop-string start), or '' after a stop. */
  flush(): string {
    if (this.#stopped !== null || this.#finished) return '';
    this.#finished = true;
    const rest = this.#generated.slice(this.#emitted);
    this.#emitted = this.#generated.length;
    return rest;
  }

  /** Length of the longest unemitted tail that is a proper prefix of some stop string. */
  #heldBack(): number {
    const all = this.#generated;
    const open = all.length - this.#emitted;
    let hold = 0;
    for (const s of this.#stopStrings) {
      for (let len = Math.min(s.length - 1, open); len > hold; len--) {
        if (all.endsWith(s.slice(0, len))) {
          hold = len;
          break;
        }
      }
    }
    return hold;
  }

  #hasContentBefore(index: number): boolean {
    return this.#firstContent >= 0 && this.#firstContent < index;
  }

  #markClass(ch: string): MarkClass | null {
    if (TERMINATORS.includes(ch)) return 'terminator';
    if (this.#stopAt !== 'phrase') return null;
    if (PHRASE_MARKS.includes(ch)) return 'phrase';
    if (DASHES.includes(ch)) return 'dash';
    return null;
  }

  /**
   * The first decided boundary at or after scanPos, or null. When null, scanPos points at the first undecided mark
   * and holdFrom at the first character that may fall after its cut (the whitespace after "Stop!”" is not shown
   * until the next word says whether the sentence ended there).
   */
  #scan(): { cut: number; reason: StopReason } | null {
    const all = this.#generated;
    const len = all.length;
    this.#holdFrom = len;
    for (let i = this.#scanPos; i < len; i++) {
      const ch = all[i]!;
      if (isNewline(ch)) {
        if (this.#hasContentBefore(i)) return { cut: i, reason: 'paragraph' };
        continue;
      }
      if (this.#stopAt === 'paragraph') continue;
      const cls = this.#markClass(ch);
      if (cls === null) continue;

      // The run of marks of this class ("?!", "...", "——"); a phrase mark stands alone.
      let j = i + 1;
      if (cls !== 'phrase') while (j < len && this.#markClass(all[j]!) === cls) j++;
      let k = j;
      while (k < len && CLOSERS.includes(all[k]!)) k++;
      const verdict = this.#judge(cls, i, j, k);
      if (verdict === 'undecided') {
        this.#scanPos = i;
        this.#holdFrom = k;
        return null;
      }
      if (verdict === 'boundary') return { cut: k, reason: cls === 'terminator' ? 'sentence' : 'phrase' };
      i = k - 1;
    }
    this.#scanPos = len;
    return null;
  }

  /** Marks [start, end) followed by closers up to `after`: do they end a sentence or phrase? */
  #judge(cls: MarkClass, start: number, end: number, after: number): 'boundary' | 'no' | 'undecided' {
    const all = this.#generated;
    const len = all.length;
    if (after === len) return 'undecided';
    if (!this.#hasContentBefore(start)) return 'no';
    if (this.#isInsideNumber(start, end, after)) return 'no';
    const next = all[after]!;
    if (cls === 'dash') return this.#markClass(next) === null ? 'boundary' : 'no';
    if (this.#isCjkStop(start, end, after)) return 'boundary';
    if (!isWhitespace(next)) return 'no';
    if (cls === 'phrase') return 'boundary';
    if (this.#isAbbreviation(start, end)) return 'no';
    // A sentence goes on when the next word is lowercase: “Stop!” he cried. A line break settles it at once.
    let w = after;
    while (w < len && isWhitespace(all[w]!)) {
      if (isNewline(all[w]!)) return 'boundary';
      w++;
    }
    if (w === len) return 'undecided';
    return /\p{Ll}/u.test(all[w]!) ? 'no' : 'boundary';
  }

  /** A single mark between two digits, no closer after it: "3.5", "３．５", "１０：３０" go on. */
  #isInsideNumber(start: number, end: number, after: number): boolean {
    const all = this.#generated;
    return (
      end - start === 1 && after === end && NUMBER_MARKS.includes(all[start]!) && DIGIT.test(all[start - 1]!) && DIGIT.test(all[after]!)
    );
  }

  /**
   * CJK punctuation needs no space after it, and neither does a half-width mark right before a CJK character
   * ("他说好!她笑了"); a '.' there may still close an abbreviation ("Mr.王").
   */
  #isCjkStop(start: number, end: number, after: number): boolean {
    const all = this.#generated;
    for (let i = start; i < end; i++) if (CJK_MARKS.includes(all[i]!)) return true;
    const next = String.fromCodePoint(all.codePointAt(after)!);
    return CJK_CHARACTER.test(next) && !this.#isAbbreviation(start, end);
  }

  /** Whether the mark run [start, end) is a single '.' closing an abbreviation or an initial. */
  #isAbbreviation(start: number, end: number): boolean {
    if (end - start !== 1 || this.#generated[start] !== '.') return false;
    const before =
      start >= CONTEXT_CHARS ? this.#generated.slice(start - CONTEXT_CHARS, start) : this.#context + this.#generated.slice(0, start);
    // Chinese and Japanese run into the word with no space: "见到了Mr." is the word "Mr".
    const word =
      /[\p{L}.]*$/u
        .exec(before)?.[0]
        .replace(/^.*[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u, '')
        .replace(/^\.+/, '') ?? '';
    if (word === '') return false;
    if (ABBREVIATIONS.has(word)) return true;
    if (/^\p{Lu}$/u.test(word) && word !== 'I') return true;
    // Dotted initials and Latin abbreviations: e.g, i.e, U.S, J.R.R
    return /^(\p{L}\.)+\p{L}$/u.test(word);
  }
}
