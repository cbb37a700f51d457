import { describe, expect, it } from 'vitest';
import { fitToCursor, isSuggestionSpot, splitTrailingSpaces, usableAlternatives } from '../../../renderer/editor/prompt-text.js';

describe('prompt text around the cursor', () => {
  it('sends the prompt without trailing spaces and fits the answer back to the cursor', () => {
    expect(splitTrailingSpaces('The sea ')).toEqual({ prompt: 'The sea', trailing: ' ' });
    expect(splitTrailingSpaces('The sea\n')).toEqual({ prompt: 'The sea\n', trailing: '' });
    expect(fitToCursor(' was calm', ' ')).toBe('was calm');
    expect(fitToCursor(' was calm', '')).toBe(' was calm');
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
