/** A save changes one line of the sidebar, in the library's own order, without listing the library again. */
import { describe, expect, it } from 'vitest';
import type { DraftSummary } from '../../../electron/shared/drafts-api.js';
import { withSummary } from '../../../renderer/drafts/draft-list.js';

const line = (id: string, modified: string, extra: Partial<DraftSummary> = {}): DraftSummary => ({
  id,
  title: id,
  created: '2025-01-01T00:00:00.000Z',
  modified,
  words: 10,
  open: false,
  dirty: false,
  ...extra,
});

describe('the drafts list after a save', () => {
  const list = [line('b', '2025-01-03T00:00:00.000Z'), line('a', '2025-01-02T00:00:00.000Z'), line('c', '2025-01-01T00:00:00.000Z')];

  it('replaces the saved draft’s line and moves it to the top, as the library sorts', () => {
    const saved = line('c', '2025-01-04T00:00:00.000Z', { words: 99, open: true });
    expect(withSummary(list, saved).map((d) => [d.id, d.words])).toEqual([
      ['c', 99],
      ['b', 10],
      ['a', 10],
    ]);
  });

  it('leaves a list alone that does not show the draft (a search hides it)', () => {
    const hidden = line('z', '2025-01-05T00:00:00.000Z');
    expect(withSummary(list, hidden)).toBe(list);
  });
});
