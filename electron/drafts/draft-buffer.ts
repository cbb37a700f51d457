/** One open draft in memory: the text the editor shows, and what the library knows about it on disk. */
import { MAX_CHANGES_PER_EDIT, type DraftCursor, type ModelSpan, type TextChange } from '../common/drafts.js';
import type { HistoryTree } from '../common/history.js';
import type { DiskState } from './draft-folder.js';
import type { DraftSummary } from './context.js';
import type { AuthorNote, Lorebook } from '../common/lore.js';
import type { DraftMeta } from './metadata.js';
import type { DraftSuggestionMode } from '../common/suggestion-mode.js';

export interface DraftBuffer {
  readonly id: string;
  text: string;
  meta: DraftMeta;
  disk: DiskState | null;
  /** Hashes of our own recent writes: a watcher event carrying one of these is us, however late it arrives. */
  ownHashes: string[];
  /** Anything not yet on disk (text, memory, note, lorebook, spans, title). */
  dirty: boolean;
  textDirty: boolean;
  /** Only the cursor moved: worth writing with the next save, not worth a save of its own. */
  cursorDirty: boolean;
  version: number;
  journaledVersion: number;
  corruptMeta: boolean;
  problems: string[];
  recovered: boolean;
  /** An outside change waiting for the writer's decision. */
  conflict: (DiskState & { text: string }) | null;
  wordsAtOpen: number;
  watcher: { close(): void } | null;
  /** The history tree, read from history.json the first time it is asked for (null until then). */
  history: HistoryTree | null;
  /** history.json was unreadable: keep it aside before the first write replaces it. */
  unreadableHistory: boolean;
  /** Counts history changes, apart from `version`: a suggestion shown must not rewrite the text's journal entry. */
  historyVersion: number;
  historyJournaledVersion: number;
  historySavedVersion: number;
}

/** An open draft as the editor receives it. */
export interface OpenDraft {
  id: string;
  title: string;
  text: string;
  memory: string;
  note: AuthorNote;
  /** The lorebook the draft uses: its series' when it is in one, else its own. */
  lorebook: Lorebook;
  /** The series whose lorebook the draft shares, or null. */
  series: string | null;
  modelSpans: ModelSpan[];
  cursor: DraftCursor | null;
  /** Ghost text for this draft: its own mode, or null to follow Settings. */
  suggestionMode: DraftSuggestionMode;
  created: string;
  modified: string;
  dirty: boolean;
  /** The text came from the recovery journal, not from text.md. */
  recovered: boolean;
  /** Outside change waiting for the writer's decision. */
  conflict: { diskText: string } | null;
  /** Things we could not read and replaced with defaults (e.g. a damaged draft.json), in words. */
  problems: string[];
}

export function newBuffer(id: string, text: string, meta: DraftMeta, disk: DiskState | null): DraftBuffer {
  return {
    id,
    text,
    meta,
    disk,
    ownHashes: disk ? [disk.hash] : [],
    dirty: false,
    textDirty: false,
    cursorDirty: false,
    version: 0,
    journaledVersion: 0,
    corruptMeta: false,
    problems: [],
    recovered: false,
    conflict: null,
    wordsAtOpen: 0,
    watcher: null,
    history: null,
    unreadableHistory: false,
    historyVersion: 0,
    historyJournaledVersion: 0,
    historySavedVersion: 0,
  };
}

/** The draft as the editor receives it; `lorebook` is the one it uses (its series', or by default its own). */
export function viewOf(b: DraftBuffer, lorebook: Lorebook = b.meta.lorebook): OpenDraft {
  return {
    id: b.id,
    title: b.meta.title,
    text: b.text,
    memory: b.meta.memory,
    note: b.meta.note,
    lorebook,
    series: b.meta.series,
    modelSpans: b.meta.modelSpans.map((s) => ({ ...s })),
    cursor: b.meta.cursor,
    suggestionMode: b.meta.suggestionMode,
    created: b.meta.created,
    modified: b.meta.modified,
    dirty: b.dirty,
    recovered: b.recovered,
    conflict: b.conflict ? { diskText: b.conflict.text } : null,
    problems: [...b.problems],
  };
}

export function summaryOf(b: DraftBuffer, words: number): DraftSummary {
  return { id: b.id, title: b.meta.title, created: b.meta.created, modified: b.meta.modified, words, open: true, dirty: b.dirty };
}

/**
 * Applies one Monaco event's changes, all given in the coordinates of the text before the event, in one
 * pass: sorted by offset, they must not overlap, and the text is cut once around them (applying them one by
 * one cost a copy of the whole text per change: 5 s for 2,000 changes to a 2 M-character draft). Anything
 * that does not fit throws "out of sync", and the editor then sends the whole text.
 */
export function applyTextChanges(text: string, changes: readonly TextChange[]): string {
  if (changes.length > MAX_CHANGES_PER_EDIT)
    throw new Error(`out of sync: more than ${MAX_CHANGES_PER_EDIT} changes in one edit; send the whole text`);
  const ordered = [...changes].sort((a, b) => a.offset - b.offset);
  const parts: string[] = [];
  let done = 0;
  for (const change of ordered) {
    if (change.offset < done) throw new Error('out of sync: changes overlap');
    const end = change.offset + change.deleteCount;
    if (end > text.length) throw new Error('out of sync: a change lies outside the text');
    parts.push(text.slice(done, change.offset), change.text);
    done = end;
  }
  parts.push(text.slice(done));
  return parts.join('');
}

/** Words in the draft when `day` began: that day's first save, else the last earlier day's end, else the count at open. */
export function wordsAtStartOf(b: DraftBuffer, day: string): number {
  const e = b.meta.wordHistory[day];
  if (e) return e.start;
  const earlier = Object.keys(b.meta.wordHistory)
    .filter((d) => d < day)
    .sort()
    .pop();
  return earlier ? b.meta.wordHistory[earlier]!.end : b.wordsAtOpen;
}
