/**
 * Banned words and phrases, plain or as regular expressions, found in the text as it is generated.
 *
 * - A plain phrase matches case-insensitively, and as a whole word at an edge that is a letter or a digit ("very"
 *   bans "Very good" but not "every"); CJK characters have no word edges, so a Chinese phrase matches anywhere.
 * - A regular expression is RE2 syntax (re2js: linear time, no catastrophic backtracking), matched as written; it
 *   is enforced for matches of up to `banChars` characters.
 * - A match that ends exactly where the text ends is not decided yet ("dark" may still become "darkness"): it is
 *   decided by the next token, or by the end of the generation.
 *
 * The generator (candidate.ts) holds back the text a ban could still claim (`holdBack`), so that nothing it
 * streams is ever taken back, and on a decided match (`firstMatch`) rolls back to the token where the match begins,
 * bans that token at that position (PositionBans) and samples again.
 */
import { RE2JS } from 're2js';
import { errorMessage } from '../common/error-message.js';
import { GENERATION_LIMITS } from '../common/generation.js';
import { CJK_CHARACTER } from './tokenizer/cjk-spacing.js';

export interface BanMatch {
  readonly start: number;
  readonly end: number;
}

interface PlainPhrase {
  readonly lower: string;
  /** Must not be preceded / followed by a word character (its edge is one). */
  readonly wordStart: boolean;
  readonly wordEnd: boolean;
}

/** A bad regular expression, said so that the writer can fix it. */
export class BanPatternError extends RangeError {
  override readonly name = 'BanPatternError';
}

const WORD = /[\p{L}\p{N}_]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD.test(ch) && !CJK_CHARACTER.test(ch);
}

export class BanList {
  /** Characters of text before the generation that matching may look at (a phrase can begin in the writer's text). */
  static readonly LOOKBEHIND = GENERATION_LIMITS.banChars;

  readonly #phrases: readonly PlainPhrase[];
  readonly #regexes: readonly RE2JS[];
  /** The longest match looked for: text further back than this is never claimed. */
  readonly #span: number;

  private constructor(phrases: readonly PlainPhrase[], regexes: readonly RE2JS[]) {
    this.#phrases = phrases;
    this.#regexes = regexes;
    this.#span = regexes.length > 0 ? GENERATION_LIMITS.banChars : Math.max(0, ...phrases.map((p) => p.lower.length));
  }

  /** Null when there is nothing to ban. Throws a BanPatternError for a regular expression RE2 cannot compile. */
  static create(phrases: readonly string[] = [], regexes: readonly string[] = []): BanList | null {
    const plain = phrases
      .map((p) => p.trim())
      .filter((p) => p.length > 0)
      .map((p) => ({ lower: p.toLowerCase(), wordStart: isWordChar(p[0]), wordEnd: isWordChar(p[p.length - 1]) }));
    const compiled = regexes.map((source) => {
      try {
        return RE2JS.compile(source);
      } catch (error) {
        throw new BanPatternError(
          `The banned pattern ${JSON.stringify(source)} is not a valid regular expression (RE2 syntax): ${errorMessage(error)}`,
        );
      }
    });
    return plain.length + compiled.length > 0 ? new BanList(plain, compiled) : null;
  }

  /**
   * The decided match whose rollback point, max(start, from), comes first, among matches that reach past `from`
   * (the first character not yet shown). `final`: the text ends here, so a match at its very end is decided.
   */
  firstMatch(text: string, from: number, final: boolean): BanMatch | null {
    const region = Math.max(0, from - this.#span);
    let best: BanMatch | null = null;
    const consider = (start: number, end: number): void => {
      if (end <= from || end <= start || (end === text.length && !final)) return;
      if (!best || Math.max(start, from) < Math.max(best.start, from)) best = { start, end };
    };
    const lower = text.toLowerCase();
    // Lowercasing that changes lengths (rare letters such as 'İ') would shift offsets: those texts match as written.
    const haystack = lower.length === text.length ? lower : text;
    for (const p of this.#phrases) {
      for (let at = haystack.indexOf(p.lower, region); at >= 0; at = haystack.indexOf(p.lower, at + 1)) {
        const end = at + p.lower.length;
        if (p.wordStart && isWordChar(text[at - 1])) continue;
        // At the very end, the next character is still unknown: decided by `final` alone (consider's rule).
        if (p.wordEnd && end < text.length && isWordChar(text[end])) continue;
        consider(at, end);
      }
    }
    for (const regex of this.#regexes) {
      const m = regex.matcher(text);
      for (let at = region; at <= text.length && m.find(at); at = m.start() + 1) consider(m.start(), m.end());
    }
    return best;
  }

  /** How many characters at the end of `text`, after `from`, a ban could still claim: they must not be shown yet. */
  holdBack(text: string, from: number): number {
    const open = text.length - from;
    if (open <= 0) return 0;
    if (this.#regexes.length > 0) return Math.min(open, this.#span);
    const lower = text.toLowerCase();
    let hold = 0;
    for (const p of this.#phrases) {
      // The longest end of the text that begins the phrase (the whole phrase included: a match not yet decided).
      for (let k = Math.min(p.lower.length, open); k > hold; k--) {
        if (!lower.endsWith(p.lower.slice(0, k))) continue;
        if (p.wordStart && isWordChar(text[text.length - k - 1])) continue;
        hold = k;
        break;
      }
    }
    return lower.length === text.length ? hold : Math.min(open, this.#span);
  }
}

/**
 * What a rollback leaves at a position of a candidate's generated text: the tokens banned there, and the text the
 * next token there must begin with (the part of the rolled-back token before the banned phrase began), so that
 * the text before the phrase stays as it was.
 */
export class PositionBans {
  readonly #banned = new Map<number, Set<number>>();
  readonly #required = new Map<number, Uint8Array>();
  #rollbacks = 0;

  /**
   * Bans `tokenId` at `position`, and there allows only tokens whose text begins with `prefix` (when any such
   * token is left). What was banned further on belonged to the text that is gone.
   */
  ban(position: number, tokenId: number, prefix: string, texts: readonly string[]): void {
    for (const p of this.#banned.keys()) if (p > position) this.#banned.delete(p);
    for (const p of this.#required.keys()) if (p > position) this.#required.delete(p);
    const set = this.#banned.get(position) ?? new Set<number>();
    set.add(tokenId);
    this.#banned.set(position, set);
    this.#rollbacks++;
    if (prefix === '') return;
    const allowed = this.#required.get(position) ?? Uint8Array.from(texts, (t) => (t.startsWith(prefix) ? 1 : 0));
    let any = false;
    for (let t = 0; t < allowed.length && !any; t++) any = allowed[t] === 1 && !set.has(t);
    if (any) this.#required.set(position, allowed);
    else this.#required.delete(position);
  }

  get rollbacks(): number {
    return this.#rollbacks;
  }

  /** Sets the logits of the tokens not allowed at `position` to -Infinity. */
  apply(logits: Float32Array, position: number): void {
    const allowed = this.#required.get(position);
    if (allowed) for (let t = 0; t < logits.length; t++) if (allowed[t] !== 1) logits[t] = -Infinity;
    const set = this.#banned.get(position);
    if (set) for (const t of set) logits[t] = -Infinity;
  }
}
