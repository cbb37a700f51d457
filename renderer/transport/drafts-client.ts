import type { ApiCall, ApiResults } from '../../electron/shared/api.js';
import type { DraftsApi, DraftsCall, DraftsMethod } from '../../electron/shared/drafts-api.js';

/** Sends one call and resolves with its result; results are typed per method below. */
export type Caller = (request: ApiCall) => Promise<unknown>;

type Args<M extends DraftsMethod> = Omit<Extract<DraftsCall, { method: M }>, 'method'>;

/** The drafts API as one function per call; each sends `{ method, ...args }` over the same link as the rest. */
export function createDraftsApi(call: Caller): DraftsApi {
  const method =
    <M extends DraftsMethod>(name: M) =>
    (args: Args<M>): Promise<ApiResults[M]> =>
      // Spreading a union member loses the link between `name` and its fields; the schema on the other side checks them.
      call({ ...args, method: name } as unknown as ApiCall) as Promise<ApiResults[M]>;
  return {
    draftsStartup: method('draftsStartup'),
    listDrafts: method('listDrafts'),
    listTrash: method('listTrash'),
    createDraft: method('createDraft'),
    renameDraft: method('renameDraft'),
    duplicateDraft: method('duplicateDraft'),
    trashDraft: method('trashDraft'),
    restoreDraft: method('restoreDraft'),
    openDraft: method('openDraft'),
    closeDraft: method('closeDraft'),
    editDraft: method('editDraft'),
    saveDraft: method('saveDraft'),
    setDraftMemory: method('setDraftMemory'),
    setDraftCursor: method('setDraftCursor'),
    resolveDraftConflict: method('resolveDraftConflict'),
    takeSnapshot: method('takeSnapshot'),
    listSnapshots: method('listSnapshots'),
    compareSnapshot: method('compareSnapshot'),
    restoreSnapshot: method('restoreSnapshot'),
    draftWordStats: method('draftWordStats'),
    setDailyGoal: method('setDailyGoal'),
    exportDraft: method('exportDraft'),
  };
}
