/**
 * What the inline provider did, newest last: a small ring kept on `window.__kaituhi` for bug reports and
 * for the end-to-end tests, which must tell a stale suggestion from a fresh one.
 */
import { scoringRecords, type ScoringRecord } from '../surprise/scoring-log.js';

export type InlineOutcome = 'pending' | 'shown' | 'cancelled' | 'stale' | 'empty' | 'error' | 'cached';

export interface InlineRecord {
  readonly seq: number;
  /** Editor model version the request was made for. */
  readonly version: number;
  readonly contextTail: string;
  outcome: InlineOutcome;
  alternatives: string[];
  error?: string;
  /** performance.now() when the request was made, and when its outcome was first settled (null while pending). */
  readonly started: number;
  readonly settled: number | null;
}

const LIMIT = 50;
const records: InlineRecord[] = [];
let seq = 0;

export function recordInlineRequest(version: number, context: string): InlineRecord {
  let outcome: InlineOutcome = 'pending';
  let settled: number | null = null;
  const record: InlineRecord = {
    seq: ++seq,
    version,
    contextTail: context.slice(-80),
    alternatives: [],
    started: performance.now(),
    get settled() {
      return settled;
    },
    get outcome() {
      return outcome;
    },
    // The provider sets the outcome where it learns it; the time it did so comes with it.
    set outcome(value: InlineOutcome) {
      outcome = value;
      settled ??= performance.now();
    },
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
  editor: EditorProbe | null;
  /** Surprise highlighting's scoring requests (renderer/surprise/scoring-log.ts). */
  scoring: ScoringRecord[];
}

declare global {
  interface Window {
    __kaituhi?: Diagnostics;
  }
}

const diagnostics: Diagnostics = { inline: records, editor: null, scoring: scoringRecords };
if (typeof window !== 'undefined') window.__kaituhi = diagnostics;

export function setEditorProbe(probe: EditorProbe | null): void {
  diagnostics.editor = probe;
}
