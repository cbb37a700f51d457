import { describe, expect, it } from 'vitest';
import {
  applyHistoryOps,
  emptyHistory,
  HISTORY_LIMITS,
  HistoryOpError,
  historyOpsSchema,
  historyTreeSchema,
  repairHistory,
  samplerOf,
  type HistoryToken,
  type HistoryTree,
  type NewHistoryNode,
} from '../../../electron/common/history.js';
import { DEFAULT_SAMPLER } from '../../../electron/common/generation.js';

const sampler = { preset: 'Balanced', settings: DEFAULT_SAMPLER };

function node(id: string, text: string, extra: Partial<NewHistoryNode> = {}): NewHistoryNode {
  return { id, parent: null, before: 'The door opened', text, kind: 'suggestion', created: 1000, sampler, ...extra };
}

function add(tree: HistoryTree, ...nodes: NewHistoryNode[]): HistoryTree {
  return applyHistoryOps(tree, [{ op: 'add', nodes }]);
}

function token(offset: number): HistoryToken {
  return [offset, -0.5, [[' a', -0.5]]];
}

describe('history operations', () => {
  it('adds nodes with their sampler kept once, and accepts one with its tokens', () => {
    let tree = add(emptyHistory(), node('a', ' and she left.'), node('b', ' but nobody came.'));
    expect(tree.samplers).toEqual([sampler]);
    expect(tree.nodes.map((n) => [n.id, n.sampler, n.accepted])).toEqual([
      ['a', 0, null],
      ['b', 0, null],
    ]);
    tree = applyHistoryOps(tree, [{ op: 'accept', id: 'b', time: 5000, tokens: [token(0), token(4)] }]);
    expect(tree.nodes[1]).toMatchObject({ id: 'b', accepted: 5000, tokens: [token(0), token(4)] });
    expect(samplerOf(tree, tree.nodes[1]!)).toEqual(sampler);
  });

  it('splits a node: the tail continues the head, takes over its children and its tokens after the cut', () => {
    let tree = add(emptyHistory(), node('a', ' and she left.'));
    tree = applyHistoryOps(tree, [{ op: 'accept', id: 'a', time: 2000, tokens: [token(0), token(4), token(8)] }]);
    tree = add(tree, node('c', ' Then rain.', { parent: 'a', before: 'The door opened and she left.' }));
    tree = applyHistoryOps(tree, [{ op: 'split', id: 'a', offset: 4, tailId: 'a2' }]);
    const [head, tail, child] = tree.nodes;
    expect(head).toMatchObject({ id: 'a', text: ' and', tokens: [token(0)] });
    expect(tail).toMatchObject({
      id: 'a2',
      parent: 'a',
      text: ' she left.',
      before: 'The door opened and',
      accepted: 2000,
      tokens: [token(0), token(4)],
    });
    expect(child).toMatchObject({ id: 'c', parent: 'a2' });
  });

  it('refuses operations that do not fit and leaves the tree as it was', () => {
    const tree = add(emptyHistory(), node('a', ' and she left.'));
    const frozen = JSON.stringify(tree);
    expect(() => applyHistoryOps(tree, [{ op: 'accept', id: 'zz', time: 1 }])).toThrow(HistoryOpError);
    expect(() => add(tree, node('a', ' again'))).toThrow(/already has/);
    expect(() => add(tree, node('x', ' again', { parent: 'nope' }))).toThrow(/no node/);
    expect(() => applyHistoryOps(tree, [{ op: 'split', id: 'a', offset: 14, tailId: 't' }])).toThrow(/end/);
    expect(() => applyHistoryOps(tree, [{ op: 'accept', id: 'a', time: 1, tokens: [token(99)] }])).toThrow(/outside/);
    // A batch that fails half-way applies none of it.
    expect(() =>
      applyHistoryOps(tree, [
        { op: 'accept', id: 'a', time: 1 },
        { op: 'accept', id: 'missing', time: 1 },
      ]),
    ).toThrow(HistoryOpError);
    expect(JSON.stringify(tree)).toBe(frozen);
  });

  it('keeps the last 1,000 nodes, pruning never-accepted leaves first, oldest first', () => {
    let tree = emptyHistory();
    // An accepted root with an accepted child, old; then a flood of shown suggestions.
    tree = add(tree, node('root', ' kept', { created: 1 }));
    tree = add(tree, node('kid', ' too', { parent: 'root', created: 2 }));
    tree = applyHistoryOps(tree, [
      { op: 'accept', id: 'root', time: 3 },
      { op: 'accept', id: 'kid', time: 4 },
    ]);
    for (let i = 0; i < HISTORY_LIMITS.nodes + 20; i++) tree = add(tree, node(`s${i}`, ` shown ${i}`, { created: 10 + i }));
    expect(tree.nodes).toHaveLength(HISTORY_LIMITS.nodes);
    const ids = new Set(tree.nodes.map((n) => n.id));
    expect(ids.has('root') && ids.has('kid')).toBe(true);
    // The 22 oldest shown suggestions went, the newest stayed.
    expect(ids.has('s21')).toBe(false);
    expect(ids.has('s22')).toBe(true);
    expect(ids.has(`s${HISTORY_LIMITS.nodes + 19}`)).toBe(true);
  });

  it('prunes a parent only after its children, and accepted nodes by when they were accepted', () => {
    let tree = emptyHistory();
    for (let i = 0; i < HISTORY_LIMITS.nodes; i++) {
      tree = add(tree, node(`n${i}`, ` word ${i}`, { created: i, ...(i > 0 ? { parent: `n${i - 1}` } : {}) }));
    }
    // One chain of accepted nodes, accepted newest-first: n999 at time 0 … n0 at time 999.
    tree = applyHistoryOps(
      tree,
      tree.nodes.slice(0, 60).map((n, i) => ({ op: 'accept' as const, id: n.id, time: 1_000_000 - i })),
    );
    tree = applyHistoryOps(
      tree,
      tree.nodes.slice(60).map((n, i) => ({ op: 'accept' as const, id: n.id, time: 500_000 - i })),
    );
    tree = add(tree, node('new', ' fresh', { created: 5_000_000 }));
    // Over by one: the only leaf of the chain (n999) goes, although n0 was accepted long after it and is older.
    expect(tree.nodes).toHaveLength(HISTORY_LIMITS.nodes);
    expect(tree.nodes.some((n) => n.id === 'n999')).toBe(false);
    expect(tree.nodes.some((n) => n.id === 'n0')).toBe(true);
    expect(tree.nodes.some((n) => n.id === 'new')).toBe(true);
  });

  it('keeps alternatives for the most recently accepted text only, within the token bound', () => {
    let tree = emptyHistory();
    const perNode = 500;
    const text = 'x'.repeat(perNode);
    const tokens = Array.from({ length: perNode }, (_, i) => token(i));
    const count = HISTORY_LIMITS.tokens / perNode + 2;
    for (let i = 0; i < count; i++) {
      tree = add(tree, node(`n${i}`, text, { created: i }));
      tree = applyHistoryOps(tree, [{ op: 'accept', id: `n${i}`, time: 100 + i, tokens }]);
    }
    const kept = tree.nodes.filter((n) => n.tokens).map((n) => n.id);
    expect(kept).toHaveLength(HISTORY_LIMITS.tokens / perNode);
    expect(kept).toEqual(tree.nodes.slice(2).map((n) => n.id));
    expect(tree.nodes.reduce((sum, n) => sum + (n.tokens?.length ?? 0), 0)).toBeLessThanOrEqual(HISTORY_LIMITS.tokens);
  });

  it('drops sampler entries no node uses any more', () => {
    let tree = emptyHistory();
    const other = { preset: null, settings: { ...DEFAULT_SAMPLER, temperature: 1.3 } };
    tree = add(tree, node('a', ' one', { sampler: other, created: 1 }));
    for (let i = 0; i < HISTORY_LIMITS.nodes; i++) tree = add(tree, node(`s${i}`, ` two ${i}`, { created: 10 + i }));
    expect(tree.samplers).toEqual([sampler]);
    expect(tree.nodes.every((n) => n.sampler === 0)).toBe(true);
  });
});

describe('history on disk', () => {
  it('the schemas refuse what the bounds forbid', () => {
    expect(historyOpsSchema.safeParse([]).success).toBe(false);
    expect(historyOpsSchema.safeParse([{ op: 'add', nodes: [{ ...node('../x', ' a') }] }]).success).toBe(false);
    expect(historyOpsSchema.safeParse([{ op: 'add', nodes: [node('a', 'x'.repeat(HISTORY_LIMITS.nodeChars + 1))] }]).success).toBe(false);
    const tooMany = Array.from({ length: HISTORY_LIMITS.alternatives + 1 }, () => [' a', -1]);
    expect(historyOpsSchema.safeParse([{ op: 'accept', id: 'a', time: 1, tokens: [[0, -1, tooMany]] }]).success).toBe(false);
    expect(historyOpsSchema.safeParse([{ op: 'accept', id: 'a', time: 1, tokens: [[0, 0.5, []]] }]).success).toBe(false);
    expect(historyTreeSchema.safeParse({ version: 1, nodes: [], samplers: [], extra: 1 }).success).toBe(false);
  });

  it('repairs what a hand edit broke and keeps the rest', () => {
    const good = applyHistoryOps(add(emptyHistory(), node('a', ' one'), node('b', ' two', { parent: 'a' })), [
      { op: 'accept', id: 'b', time: 9, tokens: [token(0)] },
    ]);
    const broken: HistoryTree = {
      ...good,
      nodes: [
        ...good.nodes,
        { ...good.nodes[0]!, text: ' duplicate id' },
        { ...good.nodes[1]!, id: 'c', parent: 'gone', sampler: 7, tokens: [token(0), token(50)] },
      ],
    };
    const repaired = repairHistory(broken);
    expect(repaired.nodes.map((n) => [n.id, n.parent, n.sampler, n.tokens?.length])).toEqual([
      ['a', null, 0, undefined],
      ['b', 'a', 0, 1],
      ['c', null, null, 1],
    ]);
  });
});
