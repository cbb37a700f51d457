/**
 * The writer's story context beyond memory: the author's note and the lorebook. One schema each, used where
 * draft.json is read, at the API boundary, in the engine host's protocol and by the lorebook importers, so a
 * lorebook one of them accepts the others never refuse. The engine assembles them (engine/context-window.ts).
 */
import { z } from 'zod';
import { keyProblem } from './lore-keys.js';

export const LORE_LIMITS = {
  /** NovelAI's shared lorebooks run to a few hundred entries. */
  entries: 500,
  titleChars: 200,
  /** An entry longer than the window could never be placed; this is far above. */
  textChars: 10_000,
  keysPerEntry: 50,
  keyChars: 200,
  /** Characters of recent text searched for an entry's keys (NovelAI's "search range"; its default is 1000). */
  scanDepth: { min: 1, max: 20_000, default: 1000 },
  /** Higher goes in first when more entries match than the budget holds. */
  priority: { min: -1_000_000, max: 1_000_000, default: 0 },
  /** Tokens the whole lorebook may take in the window. */
  budget: { min: 0, max: 1024, default: 256 },
  /** Characters of all texts and keys together: what one generation request may carry. */
  bookChars: 1_000_000,
} as const;

export const NOTE_LIMITS = {
  textChars: 2_000,
  /** Paragraphs (or tokens) between the note and the end of the text. */
  depth: { min: 1, max: 1000, default: 3 },
  wrapperChars: 40,
} as const;

/** How the note's depth is counted: paragraphs back from the cursor, or tokens back. */
export const NOTE_UNITS = ['paragraphs', 'tokens'] as const;
export type NoteUnit = (typeof NOTE_UNITS)[number];

const intIn = (limits: { readonly min: number; readonly max: number }) => z.number().int().min(limits.min).max(limits.max);

/** Entry ids are Kaituhi's own (imports get fresh ones): short, and safe in a file name or an attribute. */
export const loreEntryIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an entry id');

const keySchema = z
  .string()
  .max(LORE_LIMITS.keyChars)
  .superRefine((key, context) => {
    const problem = keyProblem(key);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

export const loreEntrySchema = z
  .object({
    id: loreEntryIdSchema,
    /** For the writer only; the model never sees it. */
    title: z.string().max(LORE_LIMITS.titleChars),
    text: z.string().max(LORE_LIMITS.textChars),
    /** Words or phrases; `/pattern/flags` for a regex. */
    keys: z.array(keySchema).max(LORE_LIMITS.keysPerEntry),
    /** For plain keys; a regex key follows its own flags. */
    caseSensitive: z.boolean(),
    /** In the window whatever the text says (budget permitting). */
    alwaysOn: z.boolean(),
    enabled: z.boolean(),
    scanDepth: intIn(LORE_LIMITS.scanDepth),
    priority: intIn(LORE_LIMITS.priority),
  })
  .strict();
export type LoreEntry = z.infer<typeof loreEntrySchema>;

export const lorebookSchema = z
  .object({
    budget: intIn(LORE_LIMITS.budget),
    entries: z.array(loreEntrySchema).max(LORE_LIMITS.entries),
  })
  .strict()
  .superRefine((book, context) => {
    const ids = new Set<string>();
    let chars = 0;
    for (const [index, entry] of book.entries.entries()) {
      if (ids.has(entry.id))
        context.addIssue({ code: 'custom', path: ['entries', index, 'id'], message: `two entries share the id ${entry.id}` });
      ids.add(entry.id);
      chars += entry.text.length + entry.title.length + entry.keys.reduce((sum, key) => sum + key.length, 0);
    }
    if (chars > LORE_LIMITS.bookChars) {
      context.addIssue({ code: 'custom', message: `the lorebook holds ${chars} characters; at most ${LORE_LIMITS.bookChars} fit` });
    }
  });
export type Lorebook = z.infer<typeof lorebookSchema>;

export const authorNoteSchema = z
  .object({
    text: z.string().max(NOTE_LIMITS.textChars),
    depth: intIn(NOTE_LIMITS.depth),
    unit: z.enum(NOTE_UNITS),
    /** Wrapped around the text, such as "[ " and " ]": marks the note as not part of the story. */
    prefix: z.string().max(NOTE_LIMITS.wrapperChars),
    suffix: z.string().max(NOTE_LIMITS.wrapperChars),
  })
  .strict();
export type AuthorNote = z.infer<typeof authorNoteSchema>;

export const DEFAULT_NOTE: AuthorNote = { text: '', depth: NOTE_LIMITS.depth.default, unit: 'paragraphs', prefix: '[ ', suffix: ' ]' };
export const EMPTY_LOREBOOK: Lorebook = { budget: LORE_LIMITS.budget.default, entries: [] };

/** A new entry as the editor starts it: enabled, case-insensitive, at the default depth and priority. */
export function newLoreEntry(id: string, fields: Partial<Omit<LoreEntry, 'id'>> = {}): LoreEntry {
  return {
    id,
    title: '',
    text: '',
    keys: [],
    caseSensitive: false,
    alwaysOn: false,
    enabled: true,
    scanDepth: LORE_LIMITS.scanDepth.default,
    priority: LORE_LIMITS.priority.default,
    ...fields,
  };
}

/** Whether a note or a lorebook would change anything the model sees. */
export function noteInUse(note: AuthorNote | undefined): note is AuthorNote {
  return note !== undefined && note.text.trim().length > 0;
}

/** A draft's story context: what the model sees besides its text. */
export interface StoryContext {
  memory: string;
  note: AuthorNote;
  lorebook: Lorebook;
}

/** The story context as a request carries it. */
export interface StoryFields {
  memory?: string;
  note?: AuthorNote;
  lorebook?: Lorebook;
}

/**
 * What a generation request carries of the story context: only what can reach the window (disabled entries and an
 * empty note stay home), so a request is as small as the writer's lore allows.
 */
export function storyRequestFields(story: StoryContext): StoryFields {
  const entries = story.lorebook.entries.filter((entry) => entry.enabled && entry.text.trim().length > 0);
  return {
    ...(story.memory ? { memory: story.memory } : {}),
    ...(noteInUse(story.note) ? { note: story.note } : {}),
    ...(entries.length > 0 ? { lorebook: { budget: story.lorebook.budget, entries } } : {}),
  };
}
