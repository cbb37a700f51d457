/**
 * From what the engine wrote to what the writer was shown: ghost text drops the leading space a prompt ending
 * in spaces would double, and trailing blanks, so each token's offset moves with it. The history tree and the
 * model-text marks keep the shown text's offsets.
 */
import { HISTORY_LIMITS, type HistoryToken } from '../../electron/common/history.js';
import { fitToCursor } from './prompt-text.js';

/** What the engine reports for one generated token (engine/types.ts `TokenAlternatives`), as far as the editor reads it. */
export interface TokenWeighing {
  /** Where the token's text starts in its candidate's text. */
  readonly offset: number;
  readonly logprob: number;
  readonly top: readonly { readonly text: string; readonly logprob: number }[];
}

/** One alternative as the provider offers it: the text on screen and its tokens in the history's form. */
export interface OfferedText {
  readonly text: string;
  readonly tokens: HistoryToken[];
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

/**
 * One alternative as shown: `raw` is what the engine wrote (with `tokens`), `text` what the provider put on screen
 * after a prompt that ended in `trailing` (the leading blank dropped, trailing blanks cut).
 */
export function offeredText(raw: string, tokens: readonly TokenWeighing[] | undefined, trailing: string, text: string): OfferedText {
  const cut = raw.length - fitToCursor(raw, trailing).length;
  return { text, tokens: historyTokens(tokens, -cut, text.length) };
}
