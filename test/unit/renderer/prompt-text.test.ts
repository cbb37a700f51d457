import { describe, expect, it } from 'vitest';
import { fitToCursor, isSuggestionSpot, splitTrailingSpaces, usableAlternatives } from '../../../renderer/editor/prompt-text.js';
import { expectLinearGrowth } from '../../support/complexity.js';

describe('prompt text around the cursor', () => {
  it('sends the prompt without trailing spaces and fits the answer back to the cursor', () => {
    expect(splitTrailingSpaces('The sea ')).toEqual({ prompt: 'The sea', trailing: ' ' });
    expect(splitTrailingSpaces('The sea\n')).toEqual({ prompt: 'The sea\n', trailing: '' });
    expect(fitToCursor(' was calm', ' ')).toBe('was calm');
    expect(fitToCursor(' was calm', '')).toBe(' was calm');
  });

  it('splits off trailing spaces in time linear in the text (a long run of inner spaces is not quadratic)', async () => {
    await expectLinearGrowth('splitTrailingSpaces', (size) => splitTrailingSpaces(`a${' \t'.repeat(size / 2)}x `));
    expect(splitTrailingSpaces(`a${' '.repeat(1000)}x \t `)).toEqual({ prompt: `a${' '.repeat(1000)}x`, trailing: ' \t ' });
  });

  it('keeps distinct, visible alternatives in order', () => {
    expect(usableAlternatives([' a b', ' a b ', '  ', '', ' c', '\n'], '')).toEqual([' a b', ' c']);
    expect(usableAlternatives([' a', 'a'], ' ')).toEqual(['a']);
  });

  it('suggests only at the end of a line, never in the middle of one', () => {
    expect(isSuggestionSpot('')).toBe(true);
    expect(isSuggestionSpot('   ')).toBe(true);
    expect(isSuggestionSpot('word')).toBe(false);
  });
});
