/**
 * The renderer sends only the end of a long draft as the prompt; the engine must see exactly the tokens
 * it would have taken from the whole text, and keep its window start while the writer types.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleContext } from '../../../electron/engine/context-window.js';
import { PROMPT_CHUNK_CHARS, PROMPT_KEEP_CHARS, promptStart } from '../../../electron/common/prompt-window.js';

/** A stand-in tokenizer: one id per word with its leading space, as GPT-2's pre-tokenizer splits. */
const encode = (text: string): number[] =>
  (text.match(/\s*\S+|\s+/g) ?? []).map((piece) => [...piece].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 50_000, 7));

function tokens(text: string) {
  return assembleContext({ text, encode, window: 1024, reserve: 64 }).tokens;
}

describe('promptStart', () => {
  it('sends nothing less than the whole text for a short draft', () => {
    expect(promptStart(0)).toBe(0);
    expect(promptStart(PROMPT_KEEP_CHARS + PROMPT_CHUNK_CHARS - 1)).toBe(0);
    expect(promptStart(PROMPT_KEEP_CHARS + PROMPT_CHUNK_CHARS)).toBe(PROMPT_CHUNK_CHARS);
  });

  it('moves in whole chunks, so typing at the end keeps the same start', () => {
    const start = promptStart(10_000_000);
    expect(start % PROMPT_CHUNK_CHARS).toBe(0);
    expect(10_000_000 - start).toBeGreaterThanOrEqual(PROMPT_KEEP_CHARS);
    expect(promptStart(10_000_500)).toBe(start);
  });

  it('the engine takes the same tokens from the tail as from the whole text', () => {
    const words = ['the', 'keeper', 'counted', 'ships', '灯塔', '—', 'don’t', '\n\n', '-----', 'x'.repeat(300)];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { minLength: 20_000, maxLength: 40_000 }), (parts) => {
        const text = parts.join(' ');
        const tail = text.slice(promptStart(text.length));
        expect(tokens(tail)).toEqual(tokens(text));
      }),
      { numRuns: 8 },
    );
  });
});
