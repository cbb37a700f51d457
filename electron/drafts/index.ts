// The drafts room's public surface: what the services wire up.
export { DraftLibrary, type BootReport, type DraftLibraryOptions } from './library.js';
export type { DraftEvent, DraftSummary } from './context.js';
export type { OpenDraft } from './draft-buffer.js';
export type { OutsideChange } from './outside-changes.js';
export type { RecoveredDraft } from './recovery.js';
export type { TrashedDraft } from './trash.js';
export type { WatchFolder } from './open-buffers.js';
export type { WordStats } from './word-stats.js';
export { DraftError, type DraftErrorCode } from './errors.js';
export { systemClock, type Clock } from './clock.js';
export type { DiffChunk, TextDiff } from './text-diff.js';
export type { SnapshotInfo, SnapshotReason } from './snapshots.js';
export type { DraftMeta } from './metadata.js';
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
