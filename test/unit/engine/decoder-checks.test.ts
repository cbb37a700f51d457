/** The checks every decoder's contextLogits makes before it runs (one function, shared by the three decoders). */
import { describe, expect, it } from 'vitest';
import { checkContextLogits } from '../../../electron/engine/runtime/decoder.js';

describe('checkContextLogits', () => {
  it('accepts a context that fits the window, with logits asked from within it', () => {
    expect(() => checkContextLogits([1, 2, 3], 0, 3)).not.toThrow();
    expect(() => checkContextLogits([1, 2, 3], 2, 3)).not.toThrow();
  });

  it('refuses an empty context and one longer than the window', () => {
    expect(() => checkContextLogits([], 0, 8)).toThrow('at least one token');
    expect(() => checkContextLogits([1, 2, 3], 0, 2)).toThrow('context of 3 tokens exceeds the window of 2');
  });

  it('refuses logits from a position outside the context', () => {
    expect(() => checkContextLogits([1, 2], 2, 8)).toThrow(RangeError);
    expect(() => checkContextLogits([1, 2], -1, 8)).toThrow(RangeError);
    expect(() => checkContextLogits([1, 2], 0.5, 8)).toThrow(RangeError);
  });
});
