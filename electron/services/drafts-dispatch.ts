import { basename } from 'node:path';
import type { DraftExportResult, DraftsCall, DraftsMethod, DraftsResults, ExportFormat } from '../shared/drafts-api.js';
import type { DraftsService } from './drafts-service.js';

/** Electron's save dialog: main asks the writer where, writes the bytes, and returns the path (null if cancelled). */
export type SaveExport = (suggestedName: string, format: ExportFormat, bytes: Uint8Array) => Promise<string | null>;

const DRAFTS_METHODS: ReadonlySet<string> = new Set<DraftsMethod>([
  'draftsStartup',
  'listDrafts',
  'listTrash',
  'createDraft',
  'renameDraft',
  'duplicateDraft',
  'trashDraft',
  'restoreDraft',
  'openDraft',
  'closeDraft',
  'editDraft',
  'saveDraft',
  'setDraftMemory',
  'setDraftCursor',
  'resolveDraftConflict',
  'takeSnapshot',
  'listSnapshots',
  'compareSnapshot',
  'restoreSnapshot',
  'draftWordStats',
  'setDailyGoal',
  'exportDraft',
]);

export function isDraftsCall(call: { readonly method: string }): call is DraftsCall {
  return DRAFTS_METHODS.has(call.method);
}

/** Routes one validated drafts call to the service. */
export async function dispatchDraftsCall(
  drafts: DraftsService,
  call: DraftsCall,
  saveExport: SaveExport | undefined,
): Promise<DraftsResults[DraftsMethod]> {
  switch (call.method) {
    case 'draftsStartup':
      return drafts.startup;
    case 'listDrafts':
      return drafts.library.catalog.search(call.query);
    case 'listTrash':
      return drafts.library.trash.list();
    case 'createDraft':
      return drafts.library.catalog.create(call.title);
    case 'renameDraft':
      return drafts.library.catalog.rename(call.id, call.title);
    case 'duplicateDraft':
      return drafts.library.catalog.duplicate(call.id);
    case 'trashDraft':
      return drafts.library.trash.trash(call.id);
    case 'restoreDraft':
      return drafts.library.trash.restore(call.trashId);
    case 'openDraft':
      return drafts.open(call.id);
    case 'closeDraft':
      await drafts.library.buffers.close(call.id);
      return null;
    case 'editDraft':
      drafts.library.buffers.edit(call.id, call.edit, {
        ...(call.cursor ? { cursor: call.cursor } : {}),
        ...(call.modelSpans ? { modelSpans: call.modelSpans } : {}),
      });
      return null;
    case 'saveDraft':
      // The writer's own save (Ctrl+S, blur, leaving the page) puts back a draft folder another program
      // deleted, as the notice promises; autosave alone never recreates it behind their back.
      await drafts.library.buffers.save(call.id, { recreateFolder: true });
      return null;
    case 'setDraftMemory':
      drafts.library.buffers.setMemory(call.id, call.memory);
      return null;
    case 'setDraftCursor':
      drafts.library.buffers.setCursor(call.id, call.cursor);
      return null;
    case 'resolveDraftConflict':
      return drafts.library.versions.resolveConflict(call.id, call.keep);
    case 'takeSnapshot':
      return drafts.library.versions.snapshot(call.id, call.name);
    case 'listSnapshots':
      return drafts.library.versions.list(call.id);
    case 'compareSnapshot':
      return drafts.library.versions.compare(call.id, call.snapshotId);
    case 'restoreSnapshot':
      return drafts.library.versions.restore(call.id, call.snapshotId);
    case 'draftWordStats':
      return drafts.library.words.stats(call.id);
    case 'setDailyGoal':
      await drafts.library.words.setDailyGoal(call.goal);
      return null;
    case 'exportDraft':
      return deliverExport(drafts, call, saveExport);
  }
}

async function deliverExport(
  drafts: DraftsService,
  call: Extract<DraftsCall, { method: 'exportDraft' }>,
  saveExport: SaveExport | undefined,
): Promise<DraftExportResult> {
  const made = await drafts.export(call.id, call.format, call.options);
  const fileName = `${safeFileStem(made.title)}.${call.format}`;
  if ('html' in made) return { kind: 'print', fileName, html: made.html };
  if (saveExport) {
    const path = await saveExport(fileName, call.format, made.result.bytes);
    return path === null ? { kind: 'cancelled' } : { kind: 'saved', fileName: basename(path) };
  }
  // Server mode: the bytes go back to the page, which hands them to the browser's own download.
  return { kind: 'download', fileName, mimeType: made.result.mimeType, base64: Buffer.from(made.result.bytes).toString('base64') };
}

/** A suggested file name, not a path: no separators, no characters Windows refuses. */
export function safeFileStem(title: string): string {
  const stem = title
    .replace(/[\p{Cc}/\\:*?"<>|]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 120);
  return stem || 'Untitled';
}
