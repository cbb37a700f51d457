import { describe, expect, it } from 'vitest';
import { applyHistoryOps, emptyHistory, type HistoryToken } from '../../../electron/common/history.js';
import { SuggestionLedger } from '../../../renderer/history/suggestion-ledger.js';

const text = ' and looked out at the sea.';
const tokens: HistoryToken[] = [
  [0, -1, [[' and', -1]]],
  [4, -2, [[' looked', -2]]],
  [11, -3, [[' out', -3]]],
  [15, -1, [[' at', -1]]],
];

describe('suggestions accepted word by word', () => {
  it('cuts the offered node at each accepted piece; each piece keeps its own tokens, the rest stays offered', () => {
    const ledger = new SuggestionLedger();
    let tree = applyHistoryOps(emptyHistory(), [
      { op: 'add', nodes: [{ id: 's', parent: null, before: 'He', text, kind: 'suggestion', created: 1, sampler: null }] },
    ]);
    ledger.offered(40, text, 's', tokens);
    expect(ledger.nodeOf(40, text)).toBe('s');
    let next = 0;
    const ids = () => `t${++next}`;

    const first = ledger.accept(40, text, 11, 100, ids);
    expect(first).toEqual([
      { op: 'split', id: 's', offset: 11, tailId: 't1' },
      { op: 'accept', id: 's', time: 100, tokens: tokens.slice(0, 2) },
    ]);
    tree = applyHistoryOps(tree, first);
    // Accepting what was already taken (Monaco reports the same partial accept twice) records nothing.
    expect(ledger.accept(40, text, 11, 101, ids)).toEqual([]);
    expect(ledger.nodeOf(40, text)).toBeNull();

    const rest = ledger.accept(40, text, text.length, 200, ids);
    expect(rest).toEqual([
      {
        op: 'accept',
        id: 't1',
        time: 200,
        tokens: [
          [0, -3, [[' out', -3]]],
          [4, -1, [[' at', -1]]],
        ],
      },
    ]);
    tree = applyHistoryOps(tree, rest);
    expect(tree.nodes.map((n) => [n.id, n.parent, n.text, n.accepted])).toEqual([
      ['s', null, ' and looked', 100],
      ['t1', 's', ' out at the sea.', 200],
    ]);
  });

  it('knows nothing of a suggestion it was not told about', () => {
    expect(new SuggestionLedger().accept(0, 'x', 1, 1, () => 'n')).toEqual([]);
  });
});
