/**
 * What the inline provider did, newest last: a small ring kept on `window.__kaituhi` for bug reports and
 * for the end-to-end tests, which must tell a stale suggestion from a fresh one.
 */
import { scoringRecords, type ScoringRecord } from '../surprise/scoring-log.js';
import { noFilterCounts, type FilterCounts, type SuggestionFilter } from './suggestion-filters.js';

export type InlineOutcome = 'pending' | 'shown' | 'cancelled' | 'stale' | 'empty' | 'error';

/** What asked: a pause in typing, the writer (Alt+\, the toolbar), or a full accept (the next suggestion, at once). */
export type InlineTrigger = 'pause' | 'explicit' | 'after-accept';

export interface InlineRecord {
  readonly seq: number;
  /** Editor model version the request was made for. */
  readonly version: number;
  readonly contextTail: string;
  readonly trigger: InlineTrigger;
  /** The text after the cursor the alternatives were ranked against ('' at the end of a paragraph). */
  readonly afterHead: string;
  outcome: InlineOutcome;
  /** As shown, best first. */
  alternatives: string[];
  /** Each shown alternative's joining score (null without text after the cursor). */
  joinScores: (number | null)[];
  /** What the filters dropped, and why. */
  dropped: { suggestion: string; filter: SuggestionFilter }[];
  /**
   * The page's clock (performance.now()): the full accept this request continues from, the request, Monaco
   * showing the first ghost, and the start of the first frame painted with it.
   */
  acceptedAt?: number;
  requestedAt?: number;
  shownAt?: number;
  paintedAt?: number;
  /** The engine's account of the request: prompt tokens, how many came from its cache, prefill and decode times. */
  stats?: { promptTokens: number; reusedTokens: number; prefillMs: number; decodeMs: number; generatedTokens: number };
  /** The cache warm-up with the alternative on screen (the text Tab would leave): which one, and what it cost. */
  warmed?: { index: number; reusedTokens: number; prefillMs: number; skipped: boolean };
  error?: string;
}

const LIMIT = 50;
const records: InlineRecord[] = [];
let seq = 0;

export function recordInlineRequest(version: number, context: string, trigger: InlineTrigger, after: string): InlineRecord {
  const record: InlineRecord = {
    seq: ++seq,
    version,
    contextTail: context.slice(-80),
    trigger,
    afterHead: after.slice(0, 80),
    outcome: 'pending',
    alternatives: [],
    joinScores: [],
    dropped: [],
  };
  records.push(record);
  if (records.length > LIMIT) records.shift();
  return record;
}

/** Read-only views of the editor for the same audience. */
export interface EditorProbe {
  text(): string;
  /** Without building the string: polling a 10 MB draft's text() would itself stall the page. */
  textLength(): number;
  /** The passages still marked as model-written. */
  markedTexts(): string[];
  /** Where the character at `offset` is drawn, in page coordinates (its middle), or null when it is off screen. */
  pointAt(offset: number): { x: number; y: number } | null;
}

export interface Diagnostics {
  inline: InlineRecord[];
  /** Answers Monaco got from what was already on offer (type-through, Ctrl+→, cycling): no request. */
  kept: number;
  /** How often each filter dropped a suggestion. */
  filtered: FilterCounts;
  editor: EditorProbe | null;
  /** Surprise highlighting's scoring requests (renderer/surprise/scoring-log.ts). */
  scoring: ScoringRecord[];
}

declare global {
  interface Window {
    __kaituhi?: Diagnostics;
  }
}

const diagnostics: Diagnostics = { inline: records, kept: 0, filtered: noFilterCounts(), editor: null, scoring: scoringRecords };
if (typeof window !== 'undefined') window.__kaituhi = diagnostics;

export function recordKept(): void {
  diagnostics.kept += 1;
}

/** Counts a dropped suggestion, and says so in the debug log; returns the counts so far. */
export function recordFiltered(filter: SuggestionFilter, suggestion: string): FilterCounts {
  diagnostics.filtered = { ...diagnostics.filtered, [filter]: diagnostics.filtered[filter] + 1 };
  console.debug(`[kaituhi] ghost text filtered (${filter}): ${JSON.stringify(suggestion)}`);
  return diagnostics.filtered;
}

export function setEditorProbe(probe: EditorProbe | null): void {
  diagnostics.editor = probe;
}
