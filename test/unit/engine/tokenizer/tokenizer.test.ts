import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { encode as referenceEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gpt2TokenizerJson,
  loadTokenizer,
  writeGpt2TokenizerFiles,
  type TextTokenizer,
} from '../../../../electron/engine/tokenizer/index.js';

const CORPUS: Record<string, string> = {
  prose:
    'It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly through the glass doors.',
  dialogue: '“Don’t go,” she whispered. ‘I won’t,’ he said — and then, “Well… maybe I’ll stay.” "Straight quotes," too.',
  contractions: "I'm sure you'll find they've said it's what we'd do; DON'T, SHAN'T, o'clock, rock'n'roll.",
  whitespace: 'a  b   c    d\tindented\t\ttwice\n\nnew paragraph\r\n  trailing   \n\t \n',
  digits: 'In 1984 there were 3.14159 reasons, 1,000,000 doubts and 0042 spies (007).',
  chinese: '今天天气很好，我们去公园散步吧。他说：“这是一个美丽的城市！”',
  japanese: '吾輩は猫である。名前はまだ無い。カタカナとひらがな、そして漢字。',
  arabic: 'مرحبا بالعالم، كيف حالك اليوم؟',
  combining: 'Cafe\u0301 nai\u0308ve Zalgo: Z\u0351\u036B\u0343a\u0314\u0342l\u0347g\u0310o\u0347 and e\u0301\u0301\u0301',
  emoji: 'Great job 👍🏽👍🏿 — family 👨‍👩‍👧‍👦, rainbow flag 🏳️‍🌈, flags 🇳🇿🇯🇵🇺🇸, keycap 1️⃣ and 🫠.',
  mixed: 'Tēnā koe! Ğ and ĠGPT Ü ß ﬁ — naïve façade; “Ωμέγα” и Привет, мир; 한국어 텍스트.',
  specials: 'Ends here.<|endoftext|>And a new one begins.',
  bom: '\uFEFFstarts with a byte order mark',
};

let dir: string;
let gpt2: TextTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaituhi-tokenizer-'));
  await writeGpt2TokenizerFiles(join(dir, 'gpt2'));
  gpt2 = await loadTokenizer(join(dir, 'gpt2'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** gpt-tokenizer's r50k_base, with '<|endoftext|>' in the text read as the special token, as Hugging Face does. */
function reference(text: string): number[] {
  return text.split('<|endoftext|>').flatMap((part, i) => [...(i > 0 ? [50256] : []), ...referenceEncode(part)]);
}

function hasBrokenCharacter(text: string): boolean {
  // With the u flag a lone surrogate matches \p{Cs}; a proper pair is one astral code point and does not.
  return text.includes('\uFFFD') || /\p{Cs}/u.test(text);
}

function streamChunks(tokenizer: TextTokenizer, ids: readonly number[]): string[] {
  const stream = tokenizer.createStreamDecoder();
  return [...ids.map((id) => stream.push(id)), stream.flush()];
}

describe('GPT-2 byte-level BPE', () => {
  it('describes itself', () => {
    expect(gpt2.kind).toBe('byte-level-bpe');
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.eosTokenId).toBe(50256);
    // GPT-2's texts start bare (its post-processor is ByteLevel): no start marker.
    expect(gpt2.startTokenId).toBeNull();
  });

  it.each(Object.entries(CORPUS))('gives the same ids as gpt-tokenizer (r50k_base) and round-trips: %s', (_name, text) => {
    const ids = gpt2.encode(text);
    expect(ids).toEqual(reference(text));
    expect(gpt2.decode(ids)).toBe(text);
  });

  it('encodes the empty string and decodes no ids', () => {
    expect(gpt2.encode('')).toEqual([]);
    expect(gpt2.decode([])).toBe('');
    expect(streamChunks(gpt2, [])).toEqual(['']);
  });

  it('never adds special tokens', () => {
    expect(gpt2.encode('Hello')).toEqual([15496]);
  });

  it('round-trips thousands of random Unicode strings', () => {
    // unit 'binary' draws any code point but never half a surrogate pair: a lone surrogate is not valid
    // UTF-16 text, becomes U+FFFD in UTF-8 and so cannot round-trip. The extra units make whitespace runs,
    // contractions, combining marks and ZWJ sequences common enough to matter.
    const unit = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
      { weight: 2, arbitrary: fc.constantFrom(' ', '  ', '\n', '\t', '\r\n', "'s", "'ll", '’', '\u0301', '\u200d', '\uFEFF', '\u00a0') },
      { weight: 2, arbitrary: fc.constantFrom('a', 'the', ' cat', '中', '語', 'é', '👍', '🏽', '🇳', 'ß', '٣', 'ا') },
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (s) => {
        expect(gpt2.decode(gpt2.encode(s))).toBe(s);
      }),
      { numRuns: 3000 },
    );
  });

  it('matches gpt-tokenizer on random strings too', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(gpt2.encode(s)).toEqual(referenceEncode(s, { disallowedSpecial: new Set() }));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['chinese', 'japanese', 'emoji', 'combining', 'mixed'])('streams %s token by token without half characters', (name) => {
    const text = CORPUS[name] ?? '';
    const ids = gpt2.encode(text);
    // The point of the test: GPT-2 really does split these characters across tokens.
    expect(ids.some((id) => gpt2.decode([id]).includes('\uFFFD'))).toBe(true);
    const chunks = streamChunks(gpt2, ids);
    for (const chunk of chunks) expect(hasBrokenCharacter(chunk), JSON.stringify(chunk)).toBe(false);
    expect(chunks.join('')).toBe(gpt2.decode(ids));
    expect(chunks.join('')).toBe(text);
  });

  it('streams random strings exactly as decode does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const ids = gpt2.encode(s);
        const chunks = streamChunks(gpt2, ids);
        for (const chunk of chunks) expect(hasBrokenCharacter(chunk)).toBe(s.includes('\uFFFD') && chunk.includes('\uFFFD'));
        expect(chunks.join('')).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('streams arbitrary id sequences (invalid UTF-8 included) exactly as decode does', () => {
    // A sampler can emit any ids, e.g. a lone continuation byte; stream and decode must still agree.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: gpt2.vocabSize - 1 }), { maxLength: 20 }), (ids) => {
        expect(streamChunks(gpt2, ids).join('')).toBe(gpt2.decode(ids));
      }),
      { numRuns: 2000 },
    );
  });

  it('holds back an incomplete character until its last byte arrives', () => {
    const ids = gpt2.encode('好');
    expect(ids.length).toBeGreaterThan(1);
    const stream = gpt2.createStreamDecoder();
    expect(
      ids
        .slice(0, -1)
        .map((id) => stream.push(id))
        .join(''),
    ).toBe('');
    expect(stream.push(ids.at(-1) ?? -1)).toBe('好');
    expect(stream.flush()).toBe('');
  });

  it('flushes a dangling partial character as decode does', () => {
    const partial = gpt2.encode('好').slice(0, -1);
    expect(streamChunks(gpt2, partial).join('')).toBe(gpt2.decode(partial));
  });

  it('ignores ids past the vocabulary (padded embeddings)', () => {
    expect(gpt2.decode([15496, 50300])).toBe('Hello');
  });

  it('converts vocab.json + merges.txt to the same tokenizer as tokenizer.json', async () => {
    const legacy = join(dir, 'legacy');
    await mkdir(legacy);
    for (const f of ['vocab.json', 'merges.txt']) await writeFile(join(legacy, f), await readFile(join(dir, 'gpt2', f)));
    const converted = await loadTokenizer(legacy);
    expect(converted.kind).toBe('byte-level-bpe');
    expect(converted.vocabSize).toBe(50257);
    expect(converted.eosTokenId).toBe(50256);
    for (const text of Object.values(CORPUS)) expect(converted.encode(text)).toEqual(gpt2.encode(text));
  });

  it('writes the files a Hugging Face gpt2 repo has', async () => {
    const files = join(dir, 'gpt2');
    expect(await readFile(join(files, 'tokenizer.json'), 'utf8')).toBe(gpt2TokenizerJson());
    const tokenizer = JSON.parse(gpt2TokenizerJson()) as {
      model: { type: string; merges: string[] };
      added_tokens: Array<{ id: number; content: string }>;
    };
    expect(tokenizer.model.type).toBe('BPE');
    expect(tokenizer.model.merges).toHaveLength(50000);
    expect(tokenizer.model.merges[0]).toBe('Ġ t');
    expect(tokenizer.added_tokens).toMatchObject([{ id: 50256, content: '<|endoftext|>' }]);
    expect(Object.keys(JSON.parse(await readFile(join(files, 'vocab.json'), 'utf8')) as object)).toHaveLength(50257);
    expect((await readFile(join(files, 'merges.txt'), 'utf8')).split('\n')[0]).toBe('#version: 0.2');
    expect(JSON.parse(await readFile(join(files, 'tokenizer_config.json'), 'utf8'))).toEqual({ model_max_length: 1024 });
  });

  it('loads a folder once and reloads it when its files change', async () => {
    const again = await loadTokenizer(join(dir, 'gpt2'));
    // Compare identities as booleans: vitest pretty-prints both sides of a .not.toBe, which for a tokenizer takes seconds.
    expect(again === gpt2).toBe(true);
    const copy = join(dir, 'copy');
    await writeGpt2TokenizerFiles(copy);
    const first = await loadTokenizer(copy);
    await writeFile(join(copy, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 1024, eos_token: '<|endoftext|>' }));
    const second = await loadTokenizer(copy);
    expect(second === first).toBe(false);
    expect(second.eosTokenId).toBe(50256);
  });

  it('encodes ~5000 words of prose as the reference does (its speed is measured by npm run bench:micro)', () => {
    const words = (CORPUS['prose'] ?? '')
      .split(' ')
      .concat((CORPUS['dialogue'] ?? '').split(' '), (CORPUS['contractions'] ?? '').split(' '));
    const random = fc.sample(fc.integer({ min: 0, max: words.length - 1 }), { numRuns: 5000, seed: 42 });
    // Vary case and attach numbers so the BPE cache does not see the same few words over and over.
    const prose = random
      .map((i, n) => (n % 13 === 0 ? `${words[i] ?? ''}${n}` : n % 7 === 0 ? (words[i] ?? '').toUpperCase() : words[i]))
      .join(' ');
    const ids = gpt2.encode(prose);
    expect(ids).toEqual(referenceEncode(prose));
    expect(gpt2.encode(prose)).toEqual(ids);
  });
});
