/**
 * Zod schemas for the drafts calls (drafts-api.ts); validators.ts folds them into the one message schema.
 * Ids are checked for shape here and again by the library (it refuses anything that could name a path).
 */
import { z } from 'zod';
import {
  draftCursorSchema,
  draftEditSchema,
  draftIdSchema,
  MAX_DRAFT_CHARS,
  MAX_MEMORY_CHARS,
  MAX_TITLE_CHARS,
  modelSpansSchema,
  snapshotIdSchema,
} from '../common/drafts.js';
import type { DraftsCall } from './drafts-api.js';

export { MAX_DRAFT_CHARS, MAX_MEMORY_CHARS };

const draftId = draftIdSchema;
const snapshotId = snapshotIdSchema;
const title = z.string().max(MAX_TITLE_CHARS);
const cursor = draftCursorSchema;
const draftEdit = draftEditSchema;

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
  call('editDraft', { id: draftId, edit: draftEdit, cursor: cursor.optional(), modelSpans: modelSpansSchema.optional() }),
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
