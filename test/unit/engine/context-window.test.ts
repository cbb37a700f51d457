import { decode, encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, it } from 'vitest';
import { assembleContext } from '../../../electron/engine/context-window.js';
import { createRng } from '../../../electron/engine/sampling.js';

/** GPT-2's own BPE (r50k_base is the GPT-2 vocabulary), so token counts and boundaries are realistic. */
const gpt2 = (s: string): number[] => encode(s);

const WORDS =
  'the a rain fell on quiet harbour while she waited for news from the north and nobody spoke of it again until morning came'.split(' ');

/** Deterministic prose of about `chars` characters. */
function prose(chars: number, seed = 1): string {
  const rng = createRng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    let w = WORDS[Math.floor(rng.next() * WORDS.length)]!;
    if (rng.next() < 0.08) w += '.';
    else if (rng.next() < 0.05) w += ',\n\n';
    parts.push(w);
    n += w.length + 1;
  }
  return parts.join(' ');
}

describe('assembleContext', () => {
  it('leaves a short text unchanged', () => {
    const text = 'Once upon a time, in a harbour town.';
    const r = assembleContext({ text, encode: gpt2, window: 1024, reserve: 64 });
    expect(r).toMatchObject({
      tokens: gpt2(text),
      memoryTokens: 0,
      memoryDroppedTokens: 0,
      droppedChars: 0,
      droppedTokens: 0,
      leftOut: [],
    });
    expect(r.segments).toEqual([{ source: 'story', tokens: gpt2(text) }]);
    expect(r.budget).toEqual({ memory: 0, lore: 0, note: 0, story: r.tokens.length, reserved: 64 });
  });

  it('pins the memory in front of the text, also when the text slides', () => {
    const memory = 'Memory: Aroha is a sailor. The town is called Kaituhi.\n\n';
    const mem = gpt2(memory);
    const short = assembleContext({ memory, text: 'She walked.', encode: gpt2, window: 1024, reserve: 64 });
    expect(short.tokens).toEqual([...mem, ...gpt2('She walked.')]);
    expect(short.memoryTokens).toBe(mem.length);

    const long = assembleContext({ memory, text: prose(20_000), encode: gpt2, window: 1024, reserve: 64 });
    expect(long.tokens.slice(0, mem.length)).toEqual(mem);
    expect(long.memoryTokens).toBe(mem.length);
    expect(long.tokens.length).toBeLessThanOrEqual(1024 - 64);
    expect(long.droppedTokens).toBeGreaterThan(0);
  });

  it('truncates a memory longer than half the window from its start', () => {
    const memory = prose(6000, 3);
    const mem = gpt2(memory);
    expect(mem.length).toBeGreaterThan(512);
    const r = assembleContext({ memory, text: 'And then.', encode: gpt2, window: 1024, reserve: 64 });
    expect(r.memoryTokens).toBe(512);
    expect(r.memoryDroppedTokens).toBe(mem.length - 512);
    expect(r.tokens.slice(0, 512)).toEqual(mem.slice(mem.length - 512));
    expect(r.tokens.slice(512)).toEqual(gpt2('And then.'));
  });

  it('keeps the end of a long text, cut at a word boundary, and always fits window - reserve', () => {
    for (const [window, reserve] of [
      [1024, 64],
      [1024, 1],
      [256, 100],
      [64, 8],
    ] as const) {
      const text = prose(30_000, window);
      const r = assembleContext({ text, encode: gpt2, window, reserve });
      expect(r.tokens.length).toBeLessThanOrEqual(window - reserve);
      // Uses the window well: at most one slide step short of full.
      expect(r.tokens.length).toBeGreaterThan(window - reserve - Math.min(256, (window - reserve) / 2));
      expect(text.endsWith(decode(r.tokens))).toBe(true);
      expect(r.droppedChars % 2048 === 0 || /\s/.test(text[r.droppedChars]!)).toBe(true);
    }
  });

  it('drops whole slide steps from the front', () => {
    const text = prose(5000, 9);
    const all = gpt2(text);
    const r = assembleContext({ text, encode: gpt2, window: 1024, reserve: 64, slideTokens: 128 });
    expect(r.droppedChars).toBe(0);
    expect(r.droppedTokens % 128).toBe(0);
    expect(r.tokens).toEqual(all.slice(r.droppedTokens));
  });

  it('keeps the first 200+ tokens identical while the writer appends word after word', () => {
    const rng = createRng(77);
    let text = prose(12_000, 5);
    let previous = assembleContext({ text, encode: gpt2, window: 1024, reserve: 64 });
    let starts = 1;
    let stableSteps = 0;
    const appends = 1500;
    for (let i = 0; i < appends; i++) {
      text += ' ' + WORDS[Math.floor(rng.next() * WORDS.length)]!;
      const next = assembleContext({ text, encode: gpt2, window: 1024, reserve: 64 });
      expect(next.tokens.length).toBeLessThanOrEqual(960);
      const samePrefix = next.tokens.slice(0, 200).every((t, j) => t === previous.tokens[j]);
      if (samePrefix) {
        stableSteps++;
      } else {
        starts++;
        // When the start moves, it moves a long way: the old window's first 200 tokens are gone from the new one's front.
        expect(next.droppedChars + next.droppedTokens).not.toBe(previous.droppedChars + previous.droppedTokens);
      }
      previous = next;
    }
    // ~1500 words are ~1700 tokens: about 7 slide steps of 256, plus the char-chunk moves (one per 2048 characters).
    expect(starts - 1, `${appends} appended words moved the window start ${starts - 1} times`).toBeLessThan(appends / 50);
    expect(stableSteps).toBeGreaterThan(appends * 0.98);
  });

  it('assembles a 10 MB document from its end (its speed is measured by npm run bench:micro)', () => {
    const chunk = prose(100_000, 11);
    const text = chunk.repeat(101) + ' The end is near.';
    expect(text.length).toBeGreaterThan(10_000_000);
    const r = assembleContext({ text, encode: gpt2, window: 1024, reserve: 64 });
    expect(r.tokens.length).toBeLessThanOrEqual(960);
    expect(r.droppedChars).toBeGreaterThan(9_900_000);
  });

  it('handles text without whitespace and a reserve that fills the window', () => {
    const text = 'x'.repeat(50_000);
    const r = assembleContext({ text, encode: gpt2, window: 128, reserve: 16 });
    expect(r.tokens.length).toBeLessThanOrEqual(112);
    expect(() => assembleContext({ text, encode: gpt2, window: 128, reserve: 128 })).toThrow(RangeError);
  });
});
