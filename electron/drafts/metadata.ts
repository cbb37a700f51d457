import { z } from 'zod';
import { draftCursorSchema, MAX_TITLE_CHARS, modelSpanSchema, type DraftCursor, type ModelSpan } from '../common/drafts.js';
import {
  authorNoteSchema,
  DEFAULT_NOTE,
  EMPTY_LOREBOOK,
  lorebookSchema,
  type AuthorNote,
  type Lorebook,
  type StoryContext,
} from '../common/lore.js';
import { draftSuggestionModeSchema, type DraftSuggestionMode } from '../common/suggestion-mode.js';

export type { DraftCursor, ModelSpan };

const dayEntrySchema = z.object({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative() });
/** Words in the draft at the first and last save of a local calendar day ("YYYY-MM-DD"). */
export type DayWords = z.infer<typeof dayEntrySchema>;

const fields = {
  title: z.string().max(MAX_TITLE_CHARS),
  created: z.iso.datetime(),
  modified: z.iso.datetime(),
  memory: z.string(),
  note: authorNoteSchema,
  lorebook: lorebookSchema,
  modelSpans: z.array(modelSpanSchema),
  wordHistory: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), dayEntrySchema),
  cursor: draftCursorSchema.nullable(),
  suggestionMode: draftSuggestionModeSchema,
} as const;

export interface DraftMeta {
  title: string;
  created: string;
  modified: string;
  memory: string;
  /** The author's note and the lorebook: with memory, what the model sees besides the text (never exported). */
  note: AuthorNote;
  lorebook: Lorebook;
  modelSpans: ModelSpan[];
  wordHistory: Record<string, DayWords>;
  cursor: DraftCursor | null;
  /** Ghost text for this draft: its own mode, or null to follow Settings. */
  suggestionMode: DraftSuggestionMode;
}

/** What of a draft reaches the model besides its text: kept in draft.json, in the journal and in snapshots. */
export type DraftStory = StoryContext;

export const draftStorySchema = z.object({ memory: z.string(), note: authorNoteSchema, lorebook: lorebookSchema }).strict();

export function storyOf(meta: DraftStory): DraftStory {
  return { memory: meta.memory, note: meta.note, lorebook: meta.lorebook };
}

export function sameStory(a: DraftStory, b: DraftStory): boolean {
  return (
    a.memory === b.memory && JSON.stringify(a.note) === JSON.stringify(b.note) && JSON.stringify(a.lorebook) === JSON.stringify(b.lorebook)
  );
}

export function defaultMeta(title: string, nowIso: string): DraftMeta {
  return {
    title,
    created: nowIso,
    modified: nowIso,
    memory: '',
    note: DEFAULT_NOTE,
    lorebook: EMPTY_LOREBOOK,
    modelSpans: [],
    wordHistory: {},
    cursor: null,
    suggestionMode: null,
  };
}

/**
 * Reads draft.json field by field, so one bad field (a hand edit, a half-synced file) costs only that
 * field. Returns what could not be read, in words, so the UI can say so rather than silently forget.
 */
export function parseMeta(raw: string, fallback: DraftMeta): { meta: DraftMeta; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { meta: fallback, problems: [`draft.json is not valid JSON (${(err as Error).message}); using defaults`] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { meta: fallback, problems: ['draft.json does not hold an object; using defaults'] };
  }
  const obj = json as Record<string, unknown>;
  const meta: DraftMeta = { ...fallback };
  const problems: string[] = [];
  const take = <K extends keyof typeof fields>(key: K): void => {
    if (!(key in obj)) return;
    const r = fields[key].safeParse(obj[key]);
    if (r.success) (meta as unknown as Record<string, unknown>)[key] = r.data;
    else problems.push(`draft.json field "${key}" is invalid; using the default`);
  };
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) take(key);
  return { meta, problems };
}

/** Keeps spans inside the text and in order, merging overlaps, so exports can trust them. */
export function normalizeSpans(spans: readonly ModelSpan[], textLength: number): ModelSpan[] {
  const clipped = spans
    .map((s) => ({ start: Math.min(s.start, textLength), end: Math.min(s.end, textLength) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const out: ModelSpan[] = [];
  for (const s of clipped) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

export const libraryStateSchema = z.object({
  version: z.literal(1),
  lastOpened: z.object({ id: z.string(), cursor: draftCursorSchema.nullable() }).nullable(),
  dailyGoal: z.number().int().positive().nullable(),
});
export type LibraryState = z.infer<typeof libraryStateSchema>;

export const journalEntrySchema = z.object({
  version: z.literal(1),
  id: z.string(),
  title: z.string(),
  text: z.string(),
  memory: z.string(),
  /** Absent in journals written before the note and the lorebook existed. */
  note: authorNoteSchema.optional(),
  lorebook: lorebookSchema.optional(),
  /** Hash of text.md when the buffer was loaded; tells recovery whether the file changed meanwhile. */
  baseHash: z.string().nullable(),
  modelSpans: z.array(modelSpanSchema),
  written: z.iso.datetime(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;
