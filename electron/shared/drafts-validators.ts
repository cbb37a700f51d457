/**
 * Zod schemas for the drafts calls (drafts-api.ts); validators.ts folds them into the one message schema.
 * Ids are checked for shape here and again by the library (it refuses anything that could name a path).
 */
import { z } from 'zod';
import type { DraftsCall } from './drafts-api.js';

/** A 10 MB novel manuscript must open and save; far above that is not a draft but an attack. */
export const MAX_DRAFT_CHARS = 16_000_000;
/** Story memory is pinned ahead of a 1024-token window; a few pages is already more than it can hold. */
export const MAX_MEMORY_CHARS = 100_000;
const MAX_CHANGES_PER_EDIT = 10_000;
/** Model-written spans one edit may carry. */
export const MAX_MODEL_SPANS = 100_000;

// One path segment, not hidden, no edge whitespace: the same rule as the library's checkId, so a call that
// would be refused there never reaches it.
const draftId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\\0.\s][^/\\\0]*$/, 'not a draft id')
  .refine((id) => id.trim() === id, 'not a draft id');
/** The shape the library gives snapshots (a timestamp and four hex digits): a file name, never a path. */
const snapshotId = z.string().regex(/^\d{8}T\d{9}Z-[0-9a-f]{4}$/, 'not a snapshot id');
const title = z.string().max(500);
const offset = z.number().int().min(0).max(MAX_DRAFT_CHARS);
const cursor = z.object({ offset, scrollTop: z.number().finite().min(0).max(1e9).optional() }).strict();
const span = z.object({ start: offset, end: offset }).strict();

const textChange = z.object({ offset, deleteCount: offset, text: z.string().max(MAX_DRAFT_CHARS) }).strict();
const draftEdit = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('changes'), changes: z.array(textChange).max(MAX_CHANGES_PER_EDIT), length: offset }).strict(),
  z.object({ kind: z.literal('text'), text: z.string().max(MAX_DRAFT_CHARS) }).strict(),
]);

const exportOptions = z
  .object({
    title: title.optional(),
    author: z.string().max(500).optional(),
    chapterBreaks: z.boolean(),
    modelSpans: z.enum(['keep', 'mark', 'strip']),
  })
  .strict();

const call = <M extends string, S extends z.ZodRawShape>(method: M, shape: S) => z.object({ method: z.literal(method), ...shape }).strict();

export const draftsCallSchemas = [
  call('draftsStartup', {}),
  call('listDrafts', { query: z.string().max(500) }),
  call('listTrash', {}),
  call('createDraft', { title }),
  call('renameDraft', { id: draftId, title: title.min(1) }),
  call('duplicateDraft', { id: draftId }),
  call('trashDraft', { id: draftId }),
  call('restoreDraft', { trashId: draftId }),
  call('openDraft', { id: draftId }),
  call('closeDraft', { id: draftId }),
  call('editDraft', { id: draftId, edit: draftEdit, cursor: cursor.optional(), modelSpans: z.array(span).max(MAX_MODEL_SPANS).optional() }),
  call('saveDraft', { id: draftId }),
  call('setDraftMemory', { id: draftId, memory: z.string().max(MAX_MEMORY_CHARS) }),
  call('setDraftCursor', { id: draftId, cursor }),
  call('resolveDraftConflict', { id: draftId, keep: z.enum(['mine', 'theirs']) }),
  call('takeSnapshot', { id: draftId, name: z.string().max(200) }),
  call('listSnapshots', { id: draftId }),
  call('compareSnapshot', { id: draftId, snapshotId }),
  call('restoreSnapshot', { id: draftId, snapshotId }),
  call('draftWordStats', { id: draftId }),
  call('setDailyGoal', { goal: z.number().int().min(1).max(1_000_000).nullable() }),
  call('exportDraft', { id: draftId, format: z.enum(['txt', 'md', 'html', 'docx', 'epub', 'pdf']), options: exportOptions }),
] as const;

/** Compile-time check that every schema parses to a member of `DraftsCall`. */
export const draftsCallSchema = z.discriminatedUnion('method', draftsCallSchemas) satisfies z.ZodType<DraftsCall>;
