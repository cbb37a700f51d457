import { describe, expect, it } from 'vitest';
import { fitSuggestion, fitToCursor, paragraphAfter, splitTrailingSpaces } from '../../../renderer/editor/prompt-text.js';
import { GENERATION_LIMITS } from '../../../electron/common/generation.js';
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

  it('fits a suggestion to the cursor and drops its trailing spaces (invisible ghosts)', () => {
    expect(fitSuggestion(' a b ', '')).toBe(' a b');
    expect(fitSuggestion(' a \t', ' ')).toBe('a');
    expect(fitSuggestion(' He left.\n\n', '')).toBe(' He left.\n\n');
  });

  it('joins the rest of the paragraph after the cursor, nothing at its end, and no more of it than a request may carry', () => {
    expect(paragraphAfter('')).toBe('');
    expect(paragraphAfter('   ')).toBe('');
    expect(paragraphAfter(' the harbour.')).toBe(' the harbour.');
    expect(paragraphAfter('x'.repeat(GENERATION_LIMITS.afterChars + 50))).toHaveLength(GENERATION_LIMITS.afterChars);
  });
});
