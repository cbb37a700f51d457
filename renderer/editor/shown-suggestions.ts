/**
 * From what the engine wrote to what the writer was shown: ghost text drops the leading space a prompt ending
 * in spaces would double, and trailing blanks, so each token's offset moves with it. The history tree and the
 * model-text marks keep the shown text's offsets.
 */
import { HISTORY_LIMITS, type HistoryToken } from '../../electron/common/history.js';
import { fitToCursor, usableAlternatives } from './prompt-text.js';

/** What the engine reports for one generated token (engine/types.ts `TokenAlternatives`), as far as the editor reads it. */
export interface TokenWeighing {
  /** Where the token's text starts in its candidate's text. */
  readonly offset: number;
  readonly logprob: number;
  readonly top: readonly { readonly text: string; readonly logprob: number }[];
}

/** One request's ghost text, fresh from the engine: shown at `offset`, after a prompt that ended in `trailing`. */
export interface ShownSuggestions {
  readonly offset: number;
  readonly trailing: string;
  /** Each candidate's text as the engine wrote it, and its tokens (absent when the engine sent none). */
  readonly texts: readonly string[];
  readonly tokens: readonly (readonly TokenWeighing[] | undefined)[];
}

/**
 * The engine's tokens in the history's compact form, offsets moved by `shift` and kept inside `length`. A token
 * whose start was cut off (the space before the first word) starts the text; of tokens at one offset (one that
 * held nothing but the cut space) the last stands.
 */
export function historyTokens(tokens: readonly TokenWeighing[] | undefined, shift = 0, length = Infinity): HistoryToken[] {
  if (!tokens) return [];
  const out: HistoryToken[] = [];
  for (const token of tokens) {
    const at = Math.max(0, token.offset + shift);
    if (at >= length) continue;
    if (out.at(-1)?.[0] === at) out.pop();
    const top = token.top
      .slice(0, HISTORY_LIMITS.alternatives)
      .map(({ text, logprob }): [string, number] => [text.slice(0, HISTORY_LIMITS.alternativeChars), Math.min(0, logprob)]);
    out.push([at, Math.min(0, token.logprob), top]);
  }
  return out;
}

/** The suggestions as shown (distinct, first occurrence first, as the provider offers them) with their tokens. */
export function shownTexts(shown: ShownSuggestions): { text: string; tokens: HistoryToken[] }[] {
  const seen = new Set<string>();
  const out: { text: string; tokens: HistoryToken[] }[] = [];
  shown.texts.forEach((raw, index) => {
    const [text] = usableAlternatives([raw], shown.trailing);
    if (text === undefined || seen.has(text)) return;
    seen.add(text);
    const cut = raw.length - fitToCursor(raw, shown.trailing).length;
    out.push({ text, tokens: historyTokens(shown.tokens[index], -cut, text.length) });
  });
  return out;
}
