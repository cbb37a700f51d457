/** Segment-cached encoding gives exactly the ids of encoding the whole text, and skips unchanged segments. */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type TextTokenizer } from '../../../../electron/engine/tokenizer/index.js';
import { createCachingEncoder, segmentText } from '../../../../electron/engine/tokenizer/segment-cache.js';
import { tinyCheckpoint, testModel } from '../../../support/fixtures.js';

let gpt2: TextTokenizer;
let bert: TextTokenizer;
beforeAll(async () => {
  gpt2 = await loadTokenizer(await tinyCheckpoint());
  bert = await loadTokenizer(await testModel('tiny-chinese-seed5', { seed: 5, tokenizer: 'bert-chinese' }));
});

const prose =
  'She didn’t answer. “Where’s the lamp?” he asked, twice — and then, quietly: “It’s gone.”\n\n' +
  'The tide came in at 4:45, as it had for 1,200 years;   the gulls rose.\tNobody moved.\n' +
  '今天天气很好，我们去公园吧。 Emoji 👩🏽‍🚀 and flags 🇳🇿 sit between words. <|endoftext|> New story. ';

describe('segment-cached encoding', () => {
  it('cuts only before a space between a non-space and a letter', () => {
    const segments = segmentText(prose.repeat(20), 64);
    expect(segments.join('')).toBe(prose.repeat(20));
    expect(segments.length).toBeGreaterThan(10);
    for (const s of segments.slice(1)) expect(s).toMatch(/^ \p{L}/u);
  });

  for (const [name, tok] of [
    ['GPT-2 byte-level BPE', () => gpt2],
    ['BERT WordPiece', () => bert],
  ] as const) {
    it(`${name}: equals whole-text encoding on prose, edits and random text`, () => {
      const t = tok();
      const cached = createCachingEncoder((s) => t.encode(s), { segmentChars: 32 });
      let text = '';
      for (const word of prose.repeat(4).split(/(?<= )/)) {
        text += word;
        expect(cached(text)).toEqual(t.encode(text));
      }
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), (a, b) => {
          const s = `${a} ${b} ${a}`;
          expect(cached(s)).toEqual(t.encode(s));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('encodes only the segments that changed', () => {
    const calls: string[] = [];
    const cached = createCachingEncoder((s) => {
      calls.push(s);
      return gpt2.encode(s);
    });
    const draft = Array.from({ length: 1200 }, (_, i) => `word${i * 7919}`).join(' ');
    cached(draft);
    const firstPass = calls.length;
    calls.length = 0;
    cached(`${draft}And then`);
    expect(firstPass).toBeGreaterThan(10);
    expect(calls.length).toBe(1);
    expect(calls[0]!.endsWith('And then')).toBe(true);
  });
});
