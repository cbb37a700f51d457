/**
 * The drafts calls: the library, the open draft, snapshots and exports. Drafts are named by id only; a path
 * never comes from the renderer. Ids are checked for shape here and again by the library (the same rule,
 * electron/common/drafts.ts), so a call the library would refuse never reaches it.
 */
import { z } from 'zod';
import {
  draftCursorSchema,
  draftEditSchema,
  draftIdSchema,
  EXPORT_FORMATS,
  MAX_MEMORY_CHARS,
  MAX_TITLE_CHARS,
  modelSpansSchema,
  snapshotIdSchema,
  SPAN_MODES,
} from '../../common/drafts.js';
import { historyOpsSchema, type HistoryTree } from '../../common/history.js';
import { authorNoteSchema, lorebookSchema, seriesNameSchema, type SeriesSummary } from '../../common/lore.js';
import { LOREBOOK_FORMATS } from '../../common/lore-formats.js';
import { draftSuggestionModeSchema } from '../../common/suggestion-mode.js';
import type { DraftSummary, OpenDraft, SnapshotInfo, TextDiff, TrashedDraft, WordStats } from '../../drafts/index.js';
import type { DraftExportResult, DraftsStartup } from '../drafts-api.js';
import { call } from './define.js';

const id = draftIdSchema;
const title = z.string().max(MAX_TITLE_CHARS);

export const draftExportOptionsSchema = z
  .object({
    title: title.optional(),
    author: z.string().max(500).optional(),
    chapterBreaks: z.boolean(),
    modelSpans: z.enum(SPAN_MODES),
  })
  .strict();
export type DraftExportOptions = z.infer<typeof draftExportOptionsSchema>;

export const draftsCalls = {
  /** What the library found at startup: recovered drafts, the last one open, problems in words. */
  draftsStartup: call({}).returns<DraftsStartup>(),
  /** The library, newest first; a non-empty query keeps titles that contain it (case and accents ignored). */
  listDrafts: call({ query: z.string().max(500) }).returns<DraftSummary[]>(),
  listTrash: call({}).returns<TrashedDraft[]>(),
  createDraft: call({ title }).returns<DraftSummary>(),
  renameDraft: call({ id, title: title.min(1) }).returns<DraftSummary>(),
  duplicateDraft: call({ id }).returns<DraftSummary>(),
  trashDraft: call({ id }).returns<TrashedDraft>(),
  restoreDraft: call({ trashId: id }).returns<DraftSummary>(),
  openDraft: call({ id }).returns<OpenDraft>(),
  closeDraft: call({ id }).returns<null>(),
  /** A keystroke's changes (or the whole text), with the model-written spans and the cursor as they stand after it. */
  editDraft: call({
    id,
    edit: draftEditSchema,
    cursor: draftCursorSchema.optional(),
    modelSpans: modelSpansSchema.optional(),
  }).returns<null>(),
  /** The writer's own save (Ctrl+S, blur, leaving the page); it puts back a draft folder another program deleted. */
  saveDraft: call({ id }).returns<null>(),
  setDraftMemory: call({ id, memory: z.string().max(MAX_MEMORY_CHARS) }).returns<null>(),
  /** The author's note and the lorebook: kept in draft.json and in snapshots, sent with each suggestion, never exported. */
  setDraftNote: call({ id, note: authorNoteSchema }).returns<null>(),
  /** A draft in a series writes the series' lorebook (`.series/` in the library), which all its drafts share. */
  setDraftLorebook: call({ id, lorebook: lorebookSchema }).returns<null>(),
  /** Joins a series by name (created from the draft's lorebook if new), or leaves it (null), optionally copying its lorebook. */
  setDraftSeries: call({ id, series: seriesNameSchema.nullable(), copyLorebook: z.boolean().optional() }).returns<OpenDraft>(),
  /** The library's series and how many drafts share each one's lorebook. */
  listSeries: call({}).returns<SeriesSummary[]>(),
  /** The draft's lorebook as a file for NovelAI, SillyTavern, KoboldAI or Kaituhi (a save dialog, or a download). */
  exportLorebook: call({ id, format: z.enum(LOREBOOK_FORMATS) }).returns<DraftExportResult>(),
  setDraftCursor: call({ id, cursor: draftCursorSchema }).returns<null>(),
  /** Ghost text for this draft: 'automatic', 'manual', or null to follow Settings. Saved in draft.json. */
  setDraftSuggestionMode: call({ id, mode: draftSuggestionModeSchema }).returns<null>(),
  resolveDraftConflict: call({ id, keep: z.enum(['mine', 'theirs']) }).returns<OpenDraft>(),
  takeSnapshot: call({ id, name: z.string().max(200) }).returns<SnapshotInfo>(),
  listSnapshots: call({ id }).returns<SnapshotInfo[]>(),
  compareSnapshot: call({ id, snapshotId: snapshotIdSchema }).returns<TextDiff>(),
  restoreSnapshot: call({ id, snapshotId: snapshotIdSchema }).returns<OpenDraft>(),
  draftWordStats: call({ id }).returns<WordStats>(),
  setDailyGoal: call({ goal: z.number().int().min(1).max(1_000_000).nullable() }).returns<null>(),
  exportDraft: call({ id, format: z.enum(EXPORT_FORMATS), options: draftExportOptionsSchema }).returns<DraftExportResult>(),
  /** An open draft's history tree (common/history.ts): every suggestion, card and alternative, under where it continued. */
  draftHistory: call({ id }).returns<HistoryTree>(),
  /** The same operations the renderer applied to its copy; refused whole (HistoryOpError) when one does not fit. */
  editHistory: call({ id, ops: historyOpsSchema }).returns<null>(),
};
