import { describe, expect, it } from 'vitest';
import { applyHistoryOps, emptyHistory, HISTORY_LIMITS, type HistoryTree, type NewHistoryNode } from '../../../electron/common/history.js';
import { historyAt, nodeEndingAt, writtenPieces, type TextWindow } from '../../../renderer/history/locate.js';

const opening = 'Chapter one.\n\nThe lighthouse keeper had not slept for three nights when the storm came. He climbed the stairs';
const a = ' and looked out at the sea.';
const b = ' two at a time.';
const c = ' Rain hammered the glass.';

function before(text: string): string {
  return text.slice(-HISTORY_LIMITS.beforeChars);
}

function node(id: string, text: string, precededBy: string, extra: Partial<NewHistoryNode> = {}): NewHistoryNode {
  return { id, parent: null, before: before(precededBy), text, kind: 'suggestion', created: 1, sampler: null, ...extra };
}

/** a and b were shown after the opening, a was accepted; c was shown and accepted after a. */
function tree(): HistoryTree {
  return applyHistoryOps(emptyHistory(), [
    { op: 'add', nodes: [node('a', a, opening), node('b', b, opening)] },
    { op: 'accept', id: 'a', time: 10 },
    { op: 'add', nodes: [node('c', c, opening + a, { parent: 'a' })] },
    { op: 'accept', id: 'c', time: 20 },
  ]);
}

const whole = (text: string): TextWindow => ({ text, start: 0 });

describe('finding history in the text', () => {
  const text = opening + a + c + ' The writer wrote this.';

  it('inside accepted text, shows the spot it was written at: its siblings, the one in the text, and what followed', () => {
    const spot = historyAt(tree(), whole(text), opening.length + 5);
    expect(spot?.position).toBe(opening.length);
    expect(spot?.siblings.map((n) => n.id)).toEqual(['a', 'b']);
    expect(spot?.current?.id).toBe('a');
    expect(spot?.ancestors).toEqual([]);
    expect(spot?.children.map((n) => n.id)).toEqual(['c']);
  });

  it('at the end of one node, shows what continued it, with its ancestors', () => {
    const spot = historyAt(tree(), whole(text), opening.length + a.length + 3);
    expect(spot?.position).toBe(opening.length + a.length);
    expect(spot?.siblings.map((n) => n.id)).toEqual(['c']);
    expect(spot?.ancestors.map((n) => n.id)).toEqual(['a']);
  });

  it('follows the text when the writer types earlier in the draft, and reads only a window of it', () => {
    const prefix = 'A dedication. '.repeat(2000);
    const longer = prefix + text;
    const cursor = prefix.length + opening.length + 5;
    const start = cursor - 9000;
    const spot = historyAt(tree(), { text: longer.slice(start, cursor + 100), start }, cursor);
    expect(spot?.position).toBe(prefix.length + opening.length);
    expect(spot?.current?.id).toBe('a');
  });

  it('finds nothing in the writer’s own words, nor where the accepted text was edited', () => {
    expect(historyAt(tree(), whole(text), text.length - 3)).toBeNull();
    expect(historyAt(tree(), whole(text), 20)).toBeNull();
    const edited = opening + ' and looked away.' + ' The writer wrote this.';
    expect(historyAt(tree(), whole(edited), opening.length + 14)).toBeNull();
    // The spot itself is still where a and b were shown.
    expect(historyAt(tree(), whole(edited), opening.length)?.current).toBeNull();
  });

  it('a suggestion at the very start of a draft is found only there', () => {
    const start = applyHistoryOps(emptyHistory(), [
      { op: 'add', nodes: [node('s', 'Once upon a time', '')] },
      { op: 'accept', id: 's', time: 1 },
    ]);
    expect(historyAt(start, whole('Once upon a time, there'), 4)?.current?.id).toBe('s');
    expect(historyAt(start, whole('Well. Once upon a time, there'), 10)).toBeNull();
  });

  it('names the accepted node a new suggestion continues', () => {
    expect(nodeEndingAt(tree(), whole(text), opening.length + a.length)?.id).toBe('a');
    expect(nodeEndingAt(tree(), whole(text), opening.length + a.length + c.length)?.id).toBe('c');
    expect(nodeEndingAt(tree(), whole(text), opening.length)).toBeNull();
  });

  it('splits a saved model-written span back into the nodes that wrote it', () => {
    const span = { start: opening.length, end: opening.length + a.length + c.length };
    const pieces = writtenPieces(tree(), whole(text), [span, { start: 0, end: 5 }]);
    expect(pieces.map((p) => [p.node.id, p.start, p.length])).toEqual([
      ['a', opening.length, a.length],
      ['c', opening.length + a.length, c.length],
    ]);
    // Half of a node still marked (the writer accepted only its first words).
    const half = writtenPieces(tree(), whole(opening + a.slice(0, 12) + ' then.'), [{ start: opening.length, end: opening.length + 12 }]);
    expect(half.map((p) => [p.node.id, p.length])).toEqual([['a', 12]]);
  });
});
