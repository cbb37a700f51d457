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

/** Distinct, non-blank suggestions, first occurrence first; trailing spaces dropped (they are invisible ghosts). */
export function usableAlternatives(texts: readonly string[], trailing: string): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const raw of texts) {
    const text = fitToCursor(raw, trailing).replace(TRAILING_BLANKS, '');
    if (text.trim().length === 0 || seen.has(text)) continue;
    seen.add(text);
    result.push(text);
  }
  return result;
}

/** Inline suggestions only make sense at the end of a line or before trailing whitespace, never mid-word. */
export function isSuggestionSpot(lineAfterCursor: string): boolean {
  return lineAfterCursor.trim().length === 0;
}
