/**
 * The scoring requests surprise highlighting sent, newest last, on `window.__kaituhi.scoring`: a small ring for
 * bug reports and for the end-to-end test that a suggestion asked for during scoring does not wait for it.
 */
export interface ScoringRecord {
  /** The piece of the draft scored. */
  readonly start: number;
  readonly end: number;
  /** performance.now() when it was sent, and when its answer (or failure) came; null while it runs. */
  readonly started: number;
  ended: number | null;
  /** Tokens scored; null until it ends well. */
  tokens: number | null;
}

const LIMIT = 50;
export const scoringRecords: ScoringRecord[] = [];

export function recordScoring(start: number, end: number): ScoringRecord {
  const record: ScoringRecord = { start, end, started: performance.now(), ended: null, tokens: null };
  scoringRecords.push(record);
  if (scoringRecords.length > LIMIT) scoringRecords.shift();
  return record;
}
