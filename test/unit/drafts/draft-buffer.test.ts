/** Small edits against the open text: one pass, in the coordinates of the text before the edit, or "out of sync". */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHANGES_PER_EDIT, type TextChange } from '../../../electron/common/drafts.js';
import { applyTextChanges } from '../../../electron/drafts/draft-buffer.js';

/** The plain definition: apply from the end, so earlier offsets stay valid. */
function oneByOne(text: string, changes: readonly TextChange[]): string {
  let out = text;
  for (const c of [...changes].sort((a, b) => b.offset - a.offset))
    out = out.slice(0, c.offset) + c.text + out.slice(c.offset + c.deleteCount);
  return out;
}

describe('applyTextChanges', () => {
  it('applies one Monaco event’s changes, given in the coordinates of the text before it', () => {
    // Two cursors: both offsets refer to the original text, whatever order they arrive in.
    const changes = [
      { offset: 0, deleteCount: 3, text: 'A' },
      { offset: 11, deleteCount: 0, text: ' barked' },
    ];
    expect(applyTextChanges('The old dog.', changes)).toBe('A old dog barked.');
    expect(applyTextChanges('The old dog.', [...changes].reverse())).toBe('A old dog barked.');
    expect(applyTextChanges('abc', [])).toBe('abc');
    expect(() => applyTextChanges('abc', [{ offset: 2, deleteCount: 5, text: '' }])).toThrow(/out of sync/);
  });

  it('agrees with applying non-overlapping changes one by one', () => {
    const edits = fc.string({ maxLength: 60 }).chain((text) =>
      fc.tuple(
        fc.constant(text),
        fc
          .uniqueArray(fc.nat({ max: text.length }), { maxLength: 12 })
          .chain((cuts) => {
            const sorted = [...cuts].sort((a, b) => a - b);
            return fc.tuple(
              ...sorted.map((start, i) =>
                fc.record({
                  offset: fc.constant(start),
                  deleteCount: fc.nat({ max: (sorted[i + 1] ?? text.length) - start }),
                  text: fc.string({ maxLength: 5 }),
                }),
              ),
            );
          })
          .chain((changes) => fc.shuffledSubarray(changes, { minLength: changes.length })),
      ),
    );
    fc.assert(
      fc.property(edits, ([text, changes]) => {
        expect(applyTextChanges(text, changes)).toBe(oneByOne(text, changes));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses overlapping changes and more changes than one edit may hold, rather than guess', () => {
    expect(() =>
      applyTextChanges('0123456789', [
        { offset: 2, deleteCount: 4, text: 'x' },
        { offset: 4, deleteCount: 1, text: 'y' },
      ]),
    ).toThrow(/out of sync: changes overlap/);
    const many = Array.from({ length: MAX_CHANGES_PER_EDIT + 1 }, (_, i) => ({ offset: i, deleteCount: 0, text: 'x' }));
    expect(() => applyTextChanges('y'.repeat(MAX_CHANGES_PER_EDIT + 1), many)).toThrow(/out of sync: more than 10000 changes/);
  });

  it('applies a thousand changes to a million characters in one call, each where it was made', () => {
    // Its cost (one pass, not a copy per change) is measured by `npm run bench:micro`.
    const text = 'x'.repeat(1_000_000);
    const changes = Array.from({ length: 1000 }, (_, i) => ({ offset: i * 900, deleteCount: 1, text: 'yy' }));
    const result = applyTextChanges(text, changes);
    expect(result.length).toBe(1_001_000);
    expect(result.slice(0, 5)).toBe('yyxxx');
    expect(result.slice(901, 905)).toBe('yyxx');
    expect(result.split('yy').length - 1).toBe(1000);
  });
});
