// The drafts room's public surface: what electron/main and electron/server wire up.
export { DraftLibrary } from './library.js';
export type {
  BootReport,
  DraftEvent,
  DraftLibraryOptions,
  DraftSummary,
  OpenDraft,
  OutsideChange,
  RecoveredDraft,
  TrashedDraft,
  WatchFolder,
  WordStats,
} from './library.js';
export { DraftError, type DraftErrorCode } from './errors.js';
export { nodeFs, type DraftFs, type DraftFileHandle } from './fs-layer.js';
export { atomicWrite } from './atomic-write.js';
export { AutosaveScheduler, type AutosaveOptions } from './autosave.js';
export { systemClock, type Clock } from './clock.js';
export { countWords } from './word-count.js';
export { diffTexts, type DiffChunk, type TextDiff } from './text-diff.js';
export type { SnapshotInfo, SnapshotReason } from './snapshots.js';
export type { DraftCursor, DraftMeta, ModelSpan } from './metadata.js';
export {
  exportDraft,
  exportHtmlString,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type ExportSource,
  type PrintHtmlToPdf,
  type SpanMode,
} from './export/index.js';
