import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HistoryPanel } from '../../renderer/history/HistoryPanel.js';
import { historyAt } from '../../renderer/history/locate.js';
import { applyHistoryOps, emptyHistory, type HistoryTree } from '../../electron/common/history.js';
import { DEFAULT_SAMPLER } from '../../electron/common/generation.js';
import { i18n } from '../../renderer/i18n/index.js';

afterEach(async () => {
  cleanup();
  await i18n.changeLanguage('en');
});

const opening = 'The keeper climbed the stairs';
const sampler = { preset: 'Balanced', settings: DEFAULT_SAMPLER };
const greedy = { preset: null, settings: { ...DEFAULT_SAMPLER, greedy: true } };
const today = new Date(2031, 4, 6, 14, 2).getTime();

function tree(): HistoryTree {
  const at = { before: opening, created: today, parent: null };
  return applyHistoryOps(emptyHistory(), [
    {
      op: 'add',
      nodes: [
        { ...at, id: 'a', text: ' and looked out.', kind: 'suggestion', sampler },
        { ...at, id: 'b', text: ' slowly.', kind: 'card', sampler: greedy },
      ],
    },
    { op: 'accept', id: 'a', time: today + 60_000 },
    {
      op: 'add',
      nodes: [
        { id: 'c', parent: 'a', before: opening + ' and looked out.', text: ' Rain.', kind: 'alternative', created: today, sampler: null },
      ],
    },
  ]);
}

describe('the History panel', () => {
  it('shows what was written at the cursor: which is in the text, when, with which sampler, and what continued it', () => {
    vi.useFakeTimers({ now: today + 120_000, toFake: ['Date'] });
    const text = `${opening} and looked out.`;
    const spot = historyAt(tree(), { text, start: 0 }, opening.length + 4);
    render(<HistoryPanel tree={tree()} spot={spot} onPutIn={() => undefined} onClose={() => undefined} />);
    const here = within(screen.getByTestId('history-siblings'));
    const [a, b] = here.getAllByTestId('history-node');
    expect(a!.textContent).toContain('and looked out.');
    // In the text since it was accepted, a minute after it was shown; times as the interface's language writes them.
    expect(a!.textContent).toMatch(/Suggestion · in the text since 2:03\sPM/);
    expect(a!.textContent).toContain('Balanced: temperature 0.8, top-k 40, top-p 0.95');
    expect(a!.className).toContain('current');
    expect(b!.textContent).toMatch(/Card · shown 2:02\sPM/);
    expect(b!.textContent).toContain('greedy');
    expect(within(screen.getByTestId('history-childs')).getByTestId('history-node').textContent).toContain('Alternative');
    expect(screen.getByTestId('history-childs').textContent).toContain('sampler not recorded');
    vi.useRealTimers();
  });

  it('previews a node on click and puts it into the text; the one already there cannot be put in again', () => {
    const onPutIn = vi.fn();
    const text = `${opening} and looked out.`;
    render(
      <HistoryPanel
        tree={tree()}
        spot={historyAt(tree(), { text, start: 0 }, text.length - 2)}
        onPutIn={onPutIn}
        onClose={() => undefined}
      />,
    );
    const [current, other] = screen.getAllByTestId('history-node');
    fireEvent.click(current!);
    expect(screen.getByTestId('history-preview').textContent).toContain('and looked out.');
    expect((screen.getByTestId('history-put-in') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(other!);
    expect(screen.getByTestId('history-preview').textContent).toContain('slowly.');
    fireEvent.click(screen.getByTestId('history-put-in'));
    expect(onPutIn).toHaveBeenCalledWith(expect.objectContaining({ id: 'b', text: ' slowly.' }));
    // A second click on the selected node closes the preview.
    fireEvent.click(other!);
    expect(screen.queryByTestId('history-preview')).toBeNull();
  });

  it('an ancestor is shown for context, not put in', () => {
    const text = `${opening} and looked out. Rain.`;
    const spot = historyAt(tree(), { text, start: text.length }, text.length);
    // The cursor sits after "Rain." only if c was accepted; here c is merely shown, so ask at its start instead.
    const atC = historyAt(tree(), { text, start: 0 }, `${opening} and looked out.`.length);
    expect(spot).toBeNull();
    render(<HistoryPanel tree={tree()} spot={atC} onPutIn={() => undefined} onClose={() => undefined} />);
    fireEvent.click(within(screen.getByTestId('history-ancestors')).getByTestId('history-node'));
    expect((screen.getByTestId('history-put-in') as HTMLButtonElement).disabled).toBe(true);
  });

  it('says why it is empty, in the interface’s language', async () => {
    const { rerender } = render(<HistoryPanel tree={emptyHistory()} spot={null} onPutIn={() => undefined} onClose={() => undefined} />);
    expect(screen.getByTestId('history-empty').textContent).toMatch(/has written nothing in this draft/);
    rerender(
      <HistoryPanel
        tree={tree()}
        spot={null}
        problem="The history could not be saved."
        onPutIn={() => undefined}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByTestId('history-empty').textContent).toMatch(/Nothing the model wrote stands at the cursor/);
    expect(screen.getByText('The history could not be saved.')).toBeTruthy();
    await i18n.changeLanguage('zh-CN');
    rerender(<HistoryPanel tree={tree()} spot={null} onPutIn={() => undefined} onClose={() => undefined} />);
    expect(screen.getByTestId('history-empty').textContent).toMatch(/光标处没有模型写的文字/);
  });
});
