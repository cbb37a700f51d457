import { GENERATION_LIMITS } from '../../electron/common/generation.js';

/**
 * Spaces and tabs at the end. The lookbehind makes the search try each run of blanks once, from its first
 * blank; `/[ \t]+$/` retried from every blank of a run, O(n²) on a long run of spaces inside the prompt.
 * (The drafts exporters use the same pattern; the renderer cannot import it from there.)
 */
const TRAILING_BLANKS = /(?<![ \t])[ \t]+$/;

/**
 * GPT-2 tokens carry their leading space (" the"), so a prompt that ends in spaces makes the model guess
 * oddly. We send the prompt without them and take the same space off the front of what comes back.
 */
export function splitTrailingSpaces(context: string): { prompt: string; trailing: string } {
  const prompt = context.replace(TRAILING_BLANKS, '');
  return { prompt, trailing: context.slice(prompt.length) };
}

export function fitToCursor(suggestion: string, trailing: string): string {
  return trailing.length > 0 ? suggestion.replace(/^[ \t]+/, '') : suggestion;
}

/** A suggestion as it goes on screen: fitted to the cursor, without trailing spaces (they would be invisible ghosts). */
export function fitSuggestion(suggestion: string, trailing: string): string {
  return fitToCursor(suggestion, trailing).replace(TRAILING_BLANKS, '');
}

/**
 * The text after the cursor that a suggestion must lead into: the rest of the paragraph (a line, in a prose
 * editor that wraps), or '' at its end. The engine reads only its first `joiningTokens` tokens, so a long
 * paragraph is cut to what a request may carry (`afterChars`).
 */
export function paragraphAfter(lineAfterCursor: string): string {
  return lineAfterCursor.trim().length === 0 ? '' : lineAfterCursor.slice(0, GENERATION_LIMITS.afterChars);
}
