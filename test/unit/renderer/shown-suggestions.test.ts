import { describe, expect, it } from 'vitest';
import { historyTokens, offeredText, type TokenWeighing } from '../../../renderer/editor/shown-suggestions.js';
import { HISTORY_LIMITS } from '../../../electron/common/history.js';

const weighed = (offset: number, logprob = -1): TokenWeighing => ({ offset, logprob, top: [{ text: ' x', logprob: -0.5 }] });

describe('suggestions as shown, with their tokens', () => {
  it('moves token offsets with the leading space ghost text drops after a prompt ending in a space', () => {
    // The prompt ended in a space: " the sea." is shown as "the sea.", its first token still at 0.
    const shown = offeredText(' the sea.', [weighed(0), weighed(4), weighed(8)], ' ', 'the sea.');
    expect(shown).toEqual({
      text: 'the sea.',
      tokens: [
        [0, -1, [[' x', -0.5]]],
        [3, -1, [[' x', -0.5]]],
        [7, -1, [[' x', -0.5]]],
      ],
    });
  });

  it('drops tokens past the shown text (trailing blanks cut) and keeps offsets without a cut space', () => {
    const shown = offeredText(' so  ', [weighed(0), weighed(3)], '', ' so');
    expect(shown.tokens.map(([at, lp]) => [at, lp])).toEqual([[0, -1]]);
    expect(offeredText(' and', undefined, '', ' and')).toEqual({ text: ' and', tokens: [] });
  });

  it('keeps the history’s bounds: ten alternatives, short texts, log-probabilities no higher than 0', () => {
    const top = Array.from({ length: 15 }, (_, i) => ({ text: `${'y'.repeat(100)}${i}`, logprob: i === 0 ? 1e-9 : -i }));
    const [token] = historyTokens([{ offset: 0, logprob: 2e-7, top }]);
    expect(token![1]).toBe(0);
    expect(token![2]).toHaveLength(HISTORY_LIMITS.alternatives);
    expect(token![2][0]).toEqual(['y'.repeat(HISTORY_LIMITS.alternativeChars), 0]);
    expect(historyTokens(undefined)).toEqual([]);
  });
});
