/** The Lore panel's series field (issue 11): join a series by name (existing ones offered), see who shares, leave. */
import { useState } from 'react';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LorePanel } from '../../renderer/lore/LorePanel.js';
import { DEFAULT_NOTE, EMPTY_LOREBOOK, type SeriesSummary } from '../../electron/common/lore.js';
import { i18n } from '../../renderer/i18n/index.js';
import { withSeriesLorebook } from '../../renderer/lore/series-push.js';
import type { CurrentDraft } from '../../renderer/drafts/use-drafts.js';

afterEach(async () => {
  cleanup();
  await i18n.changeLanguage('en');
});

function panel(initial: string | null, known: SeriesSummary[], fail?: string) {
  const calls: [string | null, boolean][] = [];
  const listSeries = vi.fn(async () => known);
  function Harness() {
    const [series, setSeries] = useState(initial);
    return (
      <LorePanel
        note={DEFAULT_NOTE}
        lorebook={EMPTY_LOREBOOK}
        onNote={vi.fn()}
        onLorebook={vi.fn()}
        onExport={vi.fn(async () => '')}
        onClose={vi.fn()}
        series={{
          series,
          listSeries,
          onSeries: async (next, copy) => {
            calls.push([next, copy]);
            if (fail) throw new Error(fail);
            setSeries(next);
          },
        }}
      />
    );
  }
  render(<Harness />);
  return { calls, listSeries };
}

describe('the series field', () => {
  it('offers the existing series, joins the one typed (trimmed), and says how many drafts share the lorebook', async () => {
    const { calls, listSeries } = panel(null, [
      { name: 'The Lighthouse', drafts: 2 },
      { name: 'Harbour Tales', drafts: 1 },
    ]);
    await waitFor(() => expect(screen.getByTestId('series-options').querySelectorAll('option')).toHaveLength(2));
    const options = [...screen.getByTestId('series-options').querySelectorAll('option')].map((o) => o.getAttribute('value'));
    expect(options).toEqual(['The Lighthouse', 'Harbour Tales']);
    expect(screen.getByText(/This draft’s own lorebook is kept, and comes back if it leaves the series/)).toBeTruthy();
    const join = screen.getByTestId('series-join') as HTMLButtonElement;
    expect(join.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('series-input'), { target: { value: 'x'.repeat(101) } });
    expect(join.disabled).toBe(true);
    expect(screen.getByText('A series name holds at most 100 characters.')).toBeTruthy();
    fireEvent.change(screen.getByTestId('series-input'), { target: { value: '  The Lighthouse ' } });
    fireEvent.click(join);
    await waitFor(() =>
      expect(screen.getByTestId('series-shared').textContent).toBe('Series “The Lighthouse”: this lorebook is shared by 2 drafts.'),
    );
    expect(calls).toEqual([['The Lighthouse', false]]);
    // The count is asked again after joining.
    expect(listSeries.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves a series, copying its lorebook when asked, and says leaving restores the draft’s own', async () => {
    const { calls } = panel('Saga', [{ name: 'Saga', drafts: 1 }]);
    await waitFor(() => expect(screen.getByTestId('series-shared').textContent).toBe('Series “Saga”: this lorebook is shared by 1 draft.'));
    expect(screen.getByText(/Leaving gives this draft its own lorebook back/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('series-copy'));
    fireEvent.click(screen.getByTestId('series-leave'));
    await waitFor(() => expect(screen.getByTestId('series-input')).toBeTruthy());
    expect(calls).toEqual([[null, true]]);
  });

  it('shows the service’s refusal in its words, and speaks Chinese', async () => {
    await i18n.changeLanguage('zh-CN');
    panel(null, [], 'That is not a series name: a series needs a name.');
    expect(screen.getByTestId('series-join').textContent).toBe('加入系列');
    fireEvent.change(screen.getByTestId('series-input'), { target: { value: 'Saga' } });
    fireEvent.click(screen.getByTestId('series-join'));
    expect((await screen.findByRole('alert')).textContent).toBe('That is not a series name: a series needs a name.');
  });
});

describe('a series lorebook changed in another window', () => {
  const book = { budget: 10, entries: [] };
  const draft: CurrentDraft = {
    id: 'two',
    title: 'Chapter two',
    memory: '',
    note: DEFAULT_NOTE,
    lorebook: EMPTY_LOREBOOK,
    series: 'Saga',
    suggestionMode: null,
  };
  it('shows in a draft of that series, and leaves the draft that made it and other drafts alone', () => {
    expect(withSeriesLorebook(draft, { id: 'one', series: 'Saga', lorebook: book })).toEqual({ ...draft, lorebook: book });
    expect(withSeriesLorebook(draft, { id: 'two', series: 'Saga', lorebook: book })).toBe(draft);
    expect(withSeriesLorebook(draft, { id: 'one', series: 'Other', lorebook: book })).toBe(draft);
    expect(withSeriesLorebook({ ...draft, series: null }, { id: 'one', series: 'Saga', lorebook: book })?.lorebook).toBe(EMPTY_LOREBOOK);
    expect(withSeriesLorebook(null, { id: 'one', series: 'Saga', lorebook: book })).toBeNull();
  });
});
