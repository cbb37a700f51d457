/**
 * The drafts part of the API (see api.ts): calls, their results and the events the drafts service pushes.
 * Drafts are named by id only; a path never comes from the renderer. The renderer imports this with
 * `import type` only.
 */
import type { DraftSummary, ExportFormat, OpenDraft, SnapshotInfo, SpanMode, TextDiff, TrashedDraft, WordStats } from '../drafts/index.js';
import type { DraftCursor, DraftEdit, ModelSpan, TextChange } from '../common/drafts.js';

export type {
  DraftSummary,
  OpenDraft,
  TrashedDraft,
  WordStats,
  DraftCursor,
  ModelSpan,
  SnapshotInfo,
  TextDiff,
  ExportFormat,
  SpanMode,
  DraftEdit,
  TextChange,
};

export interface DraftExportOptions {
  readonly title?: string;
  readonly author?: string;
  readonly chapterBreaks: boolean;
  readonly modelSpans: SpanMode;
}

/**
 * Where an export went. Electron: main's save dialog wrote it. Server mode: the browser downloads the
 * bytes itself (the server never writes to a path the page chose), and a PDF is the browser's own print
 * of the HTML export.
 */
export type DraftExportResult =
  | { readonly kind: 'saved'; readonly fileName: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'download'; readonly fileName: string; readonly mimeType: string; readonly base64: string }
  | { readonly kind: 'print'; readonly fileName: string; readonly html: string };

/** What the drafts service found at startup, for the recovery notice and for reopening the last draft. */
export interface DraftsStartup {
  /** Null when the library could not be opened; `problem` then says why. */
  readonly libraryDir: string | null;
  readonly recovered: readonly { readonly id: string; readonly title: string; readonly words: number; readonly conflict: boolean }[];
  readonly lastOpened: { readonly id: string; readonly cursor: DraftCursor | null } | null;
  readonly problems: readonly string[];
  readonly problem: string | null;
}

export type DraftPush =
  /** The draft as the list should now show it: the sidebar updates one line instead of listing the library again. */
  | { readonly kind: 'saved'; readonly id: string; readonly summary: DraftSummary }
  | { readonly kind: 'save-failed'; readonly id: string; readonly message: string }
  | { readonly kind: 'journal-failed'; readonly id: string; readonly message: string }
  | { readonly kind: 'reloaded'; readonly id: string; readonly text: string }
  | { readonly kind: 'conflict'; readonly id: string; readonly diskText: string }
  | { readonly kind: 'deleted-outside'; readonly id: string }
  /** The writer chose another library folder: everything the renderer holds is stale. */
  | { readonly kind: 'library-changed'; readonly startup: DraftsStartup }
  /** Electron's menu asked for a drafts command (the renderer owns the editor, so it carries it out). */
  | { readonly kind: 'command'; readonly command: DraftCommand };

export type DraftCommand = 'new-draft' | 'save' | 'export' | 'snapshot';

export type DraftsCall =
  | { readonly method: 'draftsStartup' }
  | { readonly method: 'listDrafts'; readonly query: string }
  | { readonly method: 'listTrash' }
  | { readonly method: 'createDraft'; readonly title: string }
  | { readonly method: 'renameDraft'; readonly id: string; readonly title: string }
  | { readonly method: 'duplicateDraft'; readonly id: string }
  | { readonly method: 'trashDraft'; readonly id: string }
  | { readonly method: 'restoreDraft'; readonly trashId: string }
  | { readonly method: 'openDraft'; readonly id: string }
  | { readonly method: 'closeDraft'; readonly id: string }
  | {
      readonly method: 'editDraft';
      readonly id: string;
      readonly edit: DraftEdit;
      readonly cursor?: DraftCursor;
      readonly modelSpans?: readonly ModelSpan[];
    }
  | { readonly method: 'saveDraft'; readonly id: string }
  | { readonly method: 'setDraftMemory'; readonly id: string; readonly memory: string }
  | { readonly method: 'setDraftCursor'; readonly id: string; readonly cursor: DraftCursor }
  | { readonly method: 'resolveDraftConflict'; readonly id: string; readonly keep: 'mine' | 'theirs' }
  | { readonly method: 'takeSnapshot'; readonly id: string; readonly name: string }
  | { readonly method: 'listSnapshots'; readonly id: string }
  | { readonly method: 'compareSnapshot'; readonly id: string; readonly snapshotId: string }
  | { readonly method: 'restoreSnapshot'; readonly id: string; readonly snapshotId: string }
  | { readonly method: 'draftWordStats'; readonly id: string }
  | { readonly method: 'setDailyGoal'; readonly goal: number | null }
  | { readonly method: 'exportDraft'; readonly id: string; readonly format: ExportFormat; readonly options: DraftExportOptions };

export interface DraftsResults {
  draftsStartup: DraftsStartup;
  listDrafts: DraftSummary[];
  listTrash: TrashedDraft[];
  createDraft: DraftSummary;
  renameDraft: DraftSummary;
  duplicateDraft: DraftSummary;
  trashDraft: TrashedDraft;
  restoreDraft: DraftSummary;
  openDraft: OpenDraft;
  closeDraft: null;
  editDraft: null;
  saveDraft: null;
  setDraftMemory: null;
  setDraftCursor: null;
  resolveDraftConflict: OpenDraft;
  takeSnapshot: SnapshotInfo;
  listSnapshots: SnapshotInfo[];
  compareSnapshot: TextDiff;
  restoreSnapshot: OpenDraft;
  draftWordStats: WordStats;
  setDailyGoal: null;
  exportDraft: DraftExportResult;
}

export type DraftsMethod = DraftsCall['method'];

/** The typed drafts API, one function per call (the renderer's client builds it from `DraftsCall`). */
export type DraftsApi = {
  readonly [M in DraftsMethod]: (call: Omit<Extract<DraftsCall, { method: M }>, 'method'>) => Promise<DraftsResults[M]>;
};
