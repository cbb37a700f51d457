import type { draftsCalls } from '../../shared/calls/drafts.js';
import type { Handlers } from '../../shared/calls/define.js';
import type { DraftsService } from '../drafts-service.js';

/** What each drafts call does (the arguments arrive parsed by the table's schemas). */
export const draftsHandlers: Handlers<typeof draftsCalls, DraftsService> = {
  draftsStartup: (drafts) => drafts.startup,
  listDrafts: (drafts, { query }) => drafts.library.catalog.search(query),
  listTrash: (drafts) => drafts.library.trash.list(),
  createDraft: (drafts, { title }) => drafts.library.catalog.create(title),
  renameDraft: (drafts, { id, title }) => drafts.library.catalog.rename(id, title),
  duplicateDraft: (drafts, { id }) => drafts.library.catalog.duplicate(id),
  trashDraft: (drafts, { id }) => drafts.library.trash.trash(id),
  restoreDraft: (drafts, { trashId }) => drafts.library.trash.restore(trashId),
  openDraft: (drafts, { id }) => drafts.open(id),
  closeDraft: async (drafts, { id }) => {
    await drafts.library.buffers.close(id);
    return null;
  },
  editDraft: (drafts, { id, edit, cursor, modelSpans }) => {
    drafts.library.buffers.edit(id, edit, { ...(cursor ? { cursor } : {}), ...(modelSpans ? { modelSpans } : {}) });
    return null;
  },
  saveDraft: async (drafts, { id }) => {
    // The writer's own save puts back a draft folder another program deleted, as the notice promises;
    // autosave alone never recreates it behind their back.
    await drafts.library.buffers.save(id, { recreateFolder: true });
    return null;
  },
  setDraftMemory: (drafts, { id, memory }) => {
    drafts.library.buffers.setMemory(id, memory);
    return null;
  },
  setDraftNote: (drafts, { id, note }) => {
    drafts.library.buffers.setNote(id, note);
    return null;
  },
  setDraftLorebook: async (drafts, { id, lorebook }) => {
    await drafts.library.buffers.setLorebook(id, lorebook);
    return null;
  },
  setDraftSeries: (drafts, { id, series, copyLorebook }) =>
    drafts.library.buffers.setSeries(id, series, copyLorebook === undefined ? {} : { copyLorebook }),
  listSeries: (drafts) => drafts.library.buffers.listSeries(),
  exportLorebook: (drafts, { id, format }) => drafts.exportLorebook(id, format),
  setDraftSuggestionMode: (drafts, { id, mode }) => {
    drafts.library.buffers.setSuggestionMode(id, mode);
    return null;
  },
  setDraftCursor: (drafts, { id, cursor }) => {
    drafts.library.buffers.setCursor(id, cursor);
    return null;
  },
  resolveDraftConflict: (drafts, { id, keep }) => drafts.library.versions.resolveConflict(id, keep),
  takeSnapshot: (drafts, { id, name }) => drafts.library.versions.snapshot(id, name),
  listSnapshots: (drafts, { id }) => drafts.library.versions.list(id),
  compareSnapshot: (drafts, { id, snapshotId }) => drafts.library.versions.compare(id, snapshotId),
  restoreSnapshot: (drafts, { id, snapshotId }) => drafts.library.versions.restore(id, snapshotId),
  draftWordStats: (drafts, { id }) => drafts.library.words.stats(id),
  setDailyGoal: async (drafts, { goal }) => {
    await drafts.library.words.setDailyGoal(goal);
    return null;
  },
  exportDraft: (drafts, { id, format, options }) => drafts.exportDraft(id, format, options),
  draftHistory: (drafts, { id }) => drafts.library.buffers.history(id),
  editHistory: async (drafts, { id, ops }) => {
    await drafts.library.buffers.editHistory(id, ops);
    return null;
  },
};
