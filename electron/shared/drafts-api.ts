/**
 * The drafts' data as the API carries it (the calls are in calls/drafts.ts): what startup found, where an
 * export went, and the events the drafts service pushes. The renderer imports this with `import type` only.
 */
import type { DraftSummary, ExportFormat, OpenDraft, SnapshotInfo, SpanMode, TextDiff, TrashedDraft, WordStats } from '../drafts/index.js';
import type { DraftCursor, DraftEdit, ModelSpan, TextChange } from '../common/drafts.js';
import type { Lorebook } from '../common/lore.js';

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
  /** A series' lorebook changed through the draft `id`; a window showing another draft of the series shows it at once. */
  | { readonly kind: 'series-lorebook'; readonly id: string; readonly series: string; readonly lorebook: Lorebook }
  /** The writer chose another library folder: everything the renderer holds is stale. */
  | { readonly kind: 'library-changed'; readonly startup: DraftsStartup }
  /** Electron's menu asked for a drafts command (the renderer owns the editor, so it carries it out). */
  | { readonly kind: 'command'; readonly command: DraftCommand };

export type DraftCommand = 'new-draft' | 'save' | 'export' | 'snapshot';
