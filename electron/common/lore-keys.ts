/**
 * Lorebook keys: what a key is, whether it is usable, and where it last occurs in the recent text.
 *
 * A key is a word or phrase, or a regular expression written between slashes with optional flags (`/Ar(o|a)ha/i`),
 * as NovelAI and SillyTavern write them. Plain keys match on word boundaries where the script has them (Latin,
 * Cyrillic, Greek, Hangul…) and as substrings where it does not (Chinese, Japanese, Thai…); the entry decides
 * their case rule. Regex keys carry their own flags, and run on re2js, which cannot backtrack: a key like
 * `(a+)+$` costs linear time, so no key can freeze the editor or the engine. A pattern RE2 cannot run, one
 * whose program is too large, and one that matches empty text are refused with a sentence saying why.
 */
import { RE2JS } from 're2js';
import { errorMessage } from './error-message.js';

export type ParsedKey =
  { readonly kind: 'plain'; readonly text: string } | { readonly kind: 'regex'; readonly pattern: string; readonly flags: string };

/** `/pattern/flags` with JavaScript's flags, as NovelAI's and SillyTavern's lorebooks write regex keys. */
const REGEX_KEY = /^\/([\s\S]+)\/([gimsuy]*)$/;

/**
 * The compiled program's size above which a key is refused: RE2's run time grows with it, and a pattern such as
 * `((a{10}){10}){10}` expands to thousands of steps per character. Ordinary keys stay far below (`\bAroha\b`: 9).
 */
export const MAX_KEY_PROGRAM = 1000;

export function parseKey(key: string): ParsedKey {
  const regex = REGEX_KEY.exec(key);
  return regex ? { kind: 'regex', pattern: regex[1]!, flags: regex[2]! } : { kind: 'plain', text: key };
}

export function isRegexKey(key: string): boolean {
  return REGEX_KEY.test(key);
}

function re2Flags(flags: string): number {
  return (
    (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
    (flags.includes('s') ? RE2JS.DOTALL : 0) |
    (flags.includes('m') ? RE2JS.MULTILINE : 0)
  );
}

/** JavaScript regex syntax (`\u00e9`, `[^]`, `(?<name>…)`) in RE2's words; RE2 refuses what it cannot run. */
function compileRegex(pattern: string, flags: string): RE2JS {
  return RE2JS.compile(RE2JS.translateRegExp(pattern), re2Flags(flags));
}

/** Why a key cannot be used, in a sentence; null for a good key. */
export function keyProblem(key: string): string | null {
  if (key.trim().length === 0) return 'a key is empty';
  const parsed = parseKey(key);
  if (parsed.kind === 'plain') return null;
  let compiled: RE2JS;
  try {
    compiled = compileRegex(parsed.pattern, parsed.flags);
  } catch (error) {
    const detail = errorMessage(error).replace(/^error parsing regexp: /, '');
    return `the regex key ${key} does not compile (${detail}); Kaituhi runs regex keys on RE2, which has no lookaround or back-references`;
  }
  if (compiled.programSize() > MAX_KEY_PROGRAM) {
    return `the regex key ${key} is too complex: its repeats expand to ${compiled.programSize()} steps per character (at most ${MAX_KEY_PROGRAM})`;
  }
  if (compiled.matcher('').find())
    return `the regex key ${key} matches empty text, so it would activate the entry everywhere (use "always on" for that)`;
  return null;
}

/** Finds where a key occurs, looking at the text from an offset on. */
export interface KeyMatcher {
  /** Start of the last occurrence that starts at or after `from`, or -1. */
  lastStart(text: string, from: number): number;
}

/** Compiled keys of recent requests: the same lorebook comes with every suggestion. */
const compiled = new Map<string, KeyMatcher>();
const COMPILED_KEPT = 2048;

/** A matcher for a usable key (check it with keyProblem first); plain keys follow `caseSensitive`, regex keys their flags. */
export function keyMatcher(key: string, caseSensitive: boolean): KeyMatcher {
  const cacheKey = `${caseSensitive ? 'C' : 'c'}${key}`;
  let matcher = compiled.get(cacheKey);
  if (!matcher) {
    matcher = makeMatcher(parseKey(key), caseSensitive);
    if (compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
    compiled.set(cacheKey, matcher);
  }
  return matcher;
}

function makeMatcher(parsed: ParsedKey, caseSensitive: boolean): KeyMatcher {
  if (parsed.kind === 'regex') {
    const regex = compileRegex(parsed.pattern, parsed.flags);
    return {
      lastStart(text, from) {
        const m = regex.matcher(text);
        let last = -1;
        let at = from;
        while (at <= text.length && m.find(at)) {
          last = m.start();
          // An empty match cannot reach here (refused by keyProblem), but never loop on one.
          at = m.end() > m.start() ? m.end() : m.start() + 1;
        }
        return last;
      },
    };
  }
  // An escaped literal cannot backtrack, so JavaScript's own engine is safe here, and fast.
  const literal = parsed.text.trim();
  const regex = new RegExp(literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), caseSensitive ? 'gu' : 'giu');
  return {
    lastStart(text, from) {
      let last = -1;
      regex.lastIndex = from;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        const start = m.index;
        const end = start + m[0].length;
        if (onBoundary(text, start, end)) last = start;
        regex.lastIndex = start + 1;
      }
      return last;
    },
  };
}

/**
 * Scripts written without spaces between words: a key there is a substring (林黛玉 in 林黛玉笑道). Everywhere
 * else a key must not start or end inside a word: "Ai" does not match "Aikin".
 */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORD = /[\p{L}\p{N}\p{M}_]/u;

function isSpacedWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD.test(ch) && !UNSPACED.test(ch);
}

/** The code point ending just before `index` (a surrogate pair read whole). */
function charBefore(text: string, index: number): string | undefined {
  if (index <= 0) return undefined;
  const low = text.charCodeAt(index - 1);
  return low >= 0xdc00 && low <= 0xdfff && index >= 2 ? text.slice(index - 2, index) : text[index - 1];
}

function charAt(text: string, index: number): string | undefined {
  if (index >= text.length) return undefined;
  return String.fromCodePoint(text.codePointAt(index)!);
}

function onBoundary(text: string, start: number, end: number): boolean {
  const startsInWord = isSpacedWordChar(charBefore(text, start)) && isSpacedWordChar(charAt(text, start));
  const endsInWord = isSpacedWordChar(charBefore(text, end)) && isSpacedWordChar(charAt(text, end));
  return !startsInWord && !endsInWord;
}
