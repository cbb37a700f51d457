/**
 * The facts about drafts that both sides of the API need: what a draft id may be, how big a draft may grow,
 * and the shape of the edits the editor sends. The library checks ids with `draftIdProblem`, the API boundary
 * with `draftIdSchema`: one rule, so a call the library would refuse never reaches it.
 */
import { z } from 'zod';

/** A 10 MB novel manuscript must open and save; far above that is not a draft but an attack. */
export const MAX_DRAFT_CHARS = 16_000_000;
/** Story memory is pinned ahead of a 1024-token window; a few pages is already more than it can hold. */
export const MAX_MEMORY_CHARS = 100_000;
/** One Monaco event never holds this many changes (a multi-cursor edit holds one per cursor). */
export const MAX_CHANGES_PER_EDIT = 10_000;
/**
 * Counted in UTF-16 code units, as `String.length` and the API's schemas count: a bound on size, so a title of
 * emoji (two to eleven units each) holds fewer of them than a title of letters or 汉字 (one each).
 */
export const MAX_TITLE_CHARS = 500;
export const MAX_DRAFT_ID_CHARS = 200;

// Windows refuses these characters in file names and strips a trailing dot or space ("a." is the folder "a").
// (search() and replace() ignore a global pattern's lastIndex, so one pattern serves both.)
const FORBIDDEN_CHARACTERS = /[<>:"/\\|?*\p{Cc}]/gu;

/** `name` with every character a file name cannot hold on some system turned into a space. */
export function withoutForbiddenCharacters(name: string): string {
  return name.replace(FORBIDDEN_CHARACTERS, ' ');
}
/** Device names Windows reserves, with or without an extension ("nul.txt" is the null device too). */
const RESERVED_NAME = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

export function isReservedFileName(name: string): boolean {
  return RESERVED_NAME.test(name);
}

/**
 * Draft ids are folder names, and a library must stay portable (a folder synced from Linux must open on
 * Windows), so the rule is the strictest of the platforms': one path segment, not hidden (hidden folders are
 * Kaituhi's own: .trash, .kaituhi), no character Windows refuses, no reserved device name, no edge
 * whitespace, no trailing dot. Returns what is wrong, or null for a good id.
 */
export function draftIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'it is empty';
  if (id.length > MAX_DRAFT_ID_CHARS) return `it is longer than ${MAX_DRAFT_ID_CHARS} characters`;
  if (id.startsWith('.')) return 'it starts with a dot';
  if (id.search(FORBIDDEN_CHARACTERS) >= 0) return 'it holds a character that file names cannot hold on every system';
  if (id.trim() !== id) return 'it starts or ends with a space';
  if (id.endsWith('.')) return 'it ends with a dot';
  if (isReservedFileName(id)) return 'Windows reserves that name';
  return null;
}

export const draftIdSchema = z.string().refine((id) => draftIdProblem(id) === null, 'not a draft id');

const offset = z.number().int().min(0).max(MAX_DRAFT_CHARS);

/** A stretch of text.md (UTF-16 offsets, end exclusive) that the model wrote and the writer has not edited. */
export const modelSpanSchema = z.object({ start: offset, end: offset }).strict();
export type ModelSpan = z.infer<typeof modelSpanSchema>;
export const MAX_MODEL_SPANS = 100_000;
export const modelSpansSchema = z.array(modelSpanSchema).max(MAX_MODEL_SPANS);

/** Where the writer was: the caret's offset and how far the page was scrolled. */
export const draftCursorSchema = z.object({ offset, scrollTop: z.number().finite().min(0).max(1e9).optional() }).strict();
export type DraftCursor = z.infer<typeof draftCursorSchema>;

/** One Monaco content change, in the coordinates of the text before the change (UTF-16 offsets). */
export const textChangeSchema = z.object({ offset, deleteCount: offset, text: z.string().max(MAX_DRAFT_CHARS) }).strict();
export type TextChange = z.infer<typeof textChangeSchema>;

/**
 * Keystrokes travel as small changes, so a 10 MB draft does not cross the boundary on every key. `length`
 * lets the library notice a missed change; the editor then sends the whole text once.
 */
export const draftEditSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('changes'), changes: z.array(textChangeSchema).max(MAX_CHANGES_PER_EDIT), length: offset }).strict(),
  z.object({ kind: z.literal('text'), text: z.string().max(MAX_DRAFT_CHARS) }).strict(),
]);
export type DraftEdit = z.infer<typeof draftEditSchema>;

/** The library's order, newest change first (then by title): the sidebar keeps it when one draft is saved. */
export function newestFirst(a: { modified: string; title: string }, b: { modified: string; title: string }): number {
  return a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : a.title.localeCompare(b.title);
}

/** Snapshot ids are the time they were taken plus four hex digits: a file name, never a path. */
export const SNAPSHOT_ID = /^\d{8}T\d{9}Z-[0-9a-f]{4}$/;
export const snapshotIdSchema = z.string().regex(SNAPSHOT_ID, 'not a snapshot id');

/** What a draft exports to; the export code has one writer per format. */
export const EXPORT_FORMATS = ['txt', 'md', 'html', 'docx', 'epub', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Model-written text in an export: kept as is, marked (highlighted), or left out. */
export const SPAN_MODES = ['keep', 'mark', 'strip'] as const;
export type SpanMode = (typeof SPAN_MODES)[number];
