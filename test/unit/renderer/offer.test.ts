import { describe, expect, it } from 'vitest';
import { OfferKeeper } from '../../../renderer/editor/offer.js';
import { bestFirst } from '../../../renderer/editor/join-ranking.js';

/** A document as the keeper reads it: the writer's text, with the offer starting at its end. */
function reader(text: string) {
  const reads: [number, number][] = [];
  return {
    reads,
    written: (anchor: number, cursor: number) => {
      reads.push([anchor, cursor]);
      return text.slice(anchor, cursor);
    },
  };
}

const before = 'The keeper climbed';
const offered = () => {
  const keeper = new OfferKeeper();
  keeper.keep({ documentId: 'doc', anchor: before.length, before, suggestions: [' the stairs.', ' the hill.', ' down.'], seq: 4 });
  return keeper;
};

describe('what was offered stays on offer while the writer agrees with it', () => {
  it('at the same spot (cycling alternatives), every alternative is on offer whole', () => {
    const keeper = offered();
    expect(keeper.rest('doc', before.length, reader(before).written)).toEqual([
      { suggestion: ' the stairs.', index: 0, rest: ' the stairs.' },
      { suggestion: ' the hill.', index: 1, rest: ' the hill.' },
      { suggestion: ' down.', index: 2, rest: ' down.' },
    ]);
  });

  it('typing the ghost’s next characters keeps the rest of every alternative that shares them', () => {
    const keeper = offered();
    const text = `${before} the s`;
    expect(keeper.rest('doc', text.length, reader(text).written)).toEqual([{ suggestion: ' the stairs.', index: 0, rest: 'tairs.' }]);
    const shared = `${before} the`;
    expect(keeper.rest('doc', shared.length, reader(shared).written).map((kept) => kept.rest)).toEqual([' stairs.', ' hill.']);
  });

  it('a disagreeing keystroke, or writing all of a suggestion, leaves nothing on offer', () => {
    const keeper = offered();
    const disagree = `${before} a`;
    expect(keeper.rest('doc', disagree.length, reader(disagree).written)).toEqual([]);
    const whole = `${before} down.`;
    expect(keeper.rest('doc', whole.length, reader(whole).written)).toEqual([]);
  });

  it('does not read the document when the cursor is before the offer or past its longest suggestion', () => {
    const keeper = offered();
    const document = reader(`${before} the stairs. And more words`);
    expect(keeper.rest('doc', before.length - 1, document.written)).toEqual([]);
    expect(keeper.rest('doc', before.length + ' the stairs.'.length, document.written)).toEqual([]);
    expect(document.reads).toEqual([]);
  });

  it('belongs to one document', () => {
    expect(offered().rest('other', before.length, reader(before).written)).toEqual([]);
  });

  it('a change before the offer’s start retires it; typing at or after it does not', () => {
    const keeper = offered();
    keeper.changed('doc', [{ offset: before.length, removed: 0 }]);
    keeper.changed('doc', [{ offset: before.length + 3, removed: 1 }]);
    expect(keeper.offer).not.toBeNull();
    keeper.changed('doc', [{ offset: before.length - 1, removed: 1 }]);
    expect(keeper.offer).toBeNull();
    const again = offered();
    again.changed('doc', [
      { offset: before.length + 1, removed: 0 },
      { offset: 0, removed: 0 },
    ]);
    expect(again.offer).toBeNull();
  });

  it('two alternatives that end the same way after what was typed are offered once', () => {
    const keeper = new OfferKeeper();
    keeper.keep({ documentId: 'doc', anchor: 0, before: '', suggestions: [' a cat.', ' a cat.'], seq: 1 });
    expect(keeper.rest('doc', 0, reader('').written)).toHaveLength(1);
  });

  it('an empty offer is no offer', () => {
    const keeper = new OfferKeeper();
    keeper.keep({ documentId: 'doc', anchor: 0, before: '', suggestions: [], seq: 1 });
    expect(keeper.offer).toBeNull();
  });
});

describe('ranking by the joining score', () => {
  it('puts the best joining score first and keeps the engine’s order among equals and unscored', () => {
    const ranked = bestFirst([
      { text: 'a', joinScore: -9.5 },
      { text: 'b', joinScore: null },
      { text: 'c', joinScore: -1.25 },
      { text: 'd', joinScore: -9.5 },
      { text: 'e', joinScore: null },
    ]);
    expect(ranked.map((alternative) => alternative.text)).toEqual(['c', 'a', 'd', 'b', 'e']);
  });
});
