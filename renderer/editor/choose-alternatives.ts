/**
 * From the engine's decoded alternatives to what goes on screen: the filters drop what is not worth showing
 * (each drop counted and logged, so a rule that throws away too much shows itself), the joining score puts the
 * best first, and a text decoded twice is shown once. Kept apart from the Monaco provider so that this whole
 * decision can be tested without an editor.
 */
import { recordFiltered } from './diagnostics.js';
import { bestFirst } from './join-ranking.js';
import { filterSuggestions, type CursorText, type FilterCounts, type SuggestionFilter } from './suggestion-filters.js';

export interface DecodedAlternative {
  /** Fitted to the cursor (fitSuggestion). */
  readonly text: string;
  /** The engine's joining score, or null with no text after the cursor. */
  readonly joinScore: number | null;
  /** The engine's candidate number, which its tokens are filed under. */
  readonly candidate: number;
}

export interface ChosenAlternatives {
  /** Worth showing, best first, each text once. */
  readonly shown: DecodedAlternative[];
  readonly dropped: { suggestion: string; filter: SuggestionFilter }[];
}

export function chooseAlternatives(
  decoded: readonly DecodedAlternative[],
  around: CursorText,
  onFiltered: (counts: FilterCounts) => void,
): ChosenAlternatives {
  const { kept, dropped } = filterSuggestions(
    decoded.map((alternative) => alternative.text),
    around,
  );
  for (const { filter, suggestion } of dropped) onFiltered(recordFiltered(filter, suggestion));
  const shown = distinct(bestFirst(decoded.filter((alternative) => kept.includes(alternative.text))));
  return { shown, dropped };
}

/** The first of each text, in order. */
function distinct<T extends { text: string }>(alternatives: readonly T[]): T[] {
  const seen = new Set<string>();
  return alternatives.filter((alternative) => !seen.has(alternative.text) && seen.add(alternative.text));
}
