import { newestFirst } from '../../electron/common/drafts.js';
import type { DraftSummary } from '../../electron/shared/drafts-api.js';

/**
 * The sidebar's list after a save: the saved draft's line replaced, still in the library's order. A draft the
 * search hides stays hidden, and nothing is listed again.
 */
export function withSummary(list: readonly DraftSummary[], summary: DraftSummary): readonly DraftSummary[] {
  if (!list.some((d) => d.id === summary.id)) return list;
  return list.map((d) => (d.id === summary.id ? summary : d)).sort(newestFirst);
}
