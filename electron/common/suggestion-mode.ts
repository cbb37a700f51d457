/**
 * When ghost text comes: 'automatic' after a pause in typing, 'manual' only when the writer asks (Alt+\).
 * Settings hold the default; a draft may override it (drafts.ts), because many writers want suggestions while
 * revising and silence while drafting.
 */
import { z } from 'zod';

export const SUGGESTION_MODES = ['automatic', 'manual'] as const;
export type SuggestionMode = (typeof SUGGESTION_MODES)[number];
export const suggestionModeSchema = z.enum(SUGGESTION_MODES);

/** A draft's own mode, or null to follow Settings. */
export const draftSuggestionModeSchema = suggestionModeSchema.nullable();
export type DraftSuggestionMode = z.infer<typeof draftSuggestionModeSchema>;

/** The mode in effect for a draft. */
export function effectiveSuggestionMode(settingsMode: SuggestionMode, draftMode: DraftSuggestionMode | undefined): SuggestionMode {
  return draftMode ?? settingsMode;
}
