import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../../electron/engine/errors.js';
import { BYTE_TO_CHAR } from '../../../../electron/engine/tokenizer/byte-alphabet.js';
import { loadTokenizer } from '../../../../electron/engine/tokenizer/index.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kaituhi-tokenizer-errors-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A model folder holding the given files. */
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

async function loadError(dir: string): Promise<ModelLoadError> {
  const err: unknown = await loadTokenizer(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

const unigram = {
  version: '1.0',
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' },
  post_processor: null,
  decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always' },
  model: {
    type: 'Unigram',
    unk_id: 0,
    vocab: [
      ['<unk>', 0],
      ['▁a', -1],
    ],
  },
};

const sentencePieceBpe = {
  ...unigram,
  model: { type: 'BPE', unk_token: '<unk>', vocab: { '<unk>': 0, '▁': 1, a: 2, '▁a': 3 }, merges: ['▁ a'] },
};

describe('tokenizer load errors', () => {
  it('names the folder when it has no tokenizer files', async () => {
    const dir = await folder('empty', {});
    const err = await loadError(dir);
    expect(err.file).toBe(dir);
    expect(err.message).toMatch(/no tokenizer.*tokenizer\.json.*vocab\.json.*merges\.txt/u);
  });

  it('names tokenizer.json when it is not JSON', async () => {
    const dir = await folder('broken', { 'tokenizer.json': '{"model": {"type": "BPE", ' });
    const err = await loadError(dir);
    expect(err.file).toBe(join(dir, 'tokenizer.json'));
    expect(err.problem).toMatch(/not valid JSON/u);
  });

  it('rejects JSON that is not an object, or has no model', async () => {
    expect((await loadError(await folder('array', { 'tokenizer.json': '[1, 2]' }))).problem).toMatch(/not a JSON object/u);
    expect((await loadError(await folder('no-model', { 'tokenizer.json': '{"version": "1.0"}' }))).problem).toMatch(/no "model"/u);
  });

  it('says which tokenizer kind it does not support', async () => {
    const err = await loadError(await folder('unigram', { 'tokenizer.json': JSON.stringify(unigram) }));
    expect(err.file).toMatch(/tokenizer\.json$/u);
    expect(err.problem).toMatch(/Unigram/u);
    expect(err.message).toMatch(/GPT-2 byte-level BPE and BERT WordPiece/u);
  });

  it('rejects a BPE without the byte-level alphabet', async () => {
    const err = await loadError(await folder('sp-bpe', { 'tokenizer.json': JSON.stringify(sentencePieceBpe) }));
    expect(err.problem).toMatch(/byte-level/u);
  });

  it('names tokenizer.json when it cannot be read', async () => {
    const dir = await folder('unreadable', {});
    await mkdir(join(dir, 'tokenizer.json'));
    const err = await loadError(dir);
    expect(err.file).toBe(join(dir, 'tokenizer.json'));
    expect(err.problem).toMatch(/cannot be read/u);
  });

  it('names a broken tokenizer_config.json', async () => {
    const err = await loadError(await folder('bad-config', { 'tokenizer_config.json': 'nope', 'tokenizer.json': JSON.stringify(unigram) }));
    expect(err.file).toMatch(/tokenizer_config\.json$/u);
  });

  it('needs merges.txt beside vocab.json, and merges that fit the vocabulary', async () => {
    const vocab = JSON.stringify({ a: 0, b: 1, ab: 2 });
    const missing = await loadError(await folder('no-merges', { 'vocab.json': vocab }));
    expect(missing.file).toMatch(/merges\.txt$/u);
    expect(missing.problem).toMatch(/missing/u);
    const wrong = await loadError(await folder('bad-merges', { 'vocab.json': vocab, 'merges.txt': '#version: 0.2\na b\nb c\n' }));
    expect(wrong.file).toMatch(/merges\.txt$/u);
    expect(wrong.problem).toMatch(/"b c"/u);
    const badIds = await loadError(await folder('bad-ids', { 'vocab.json': '{"a": "zero"}', 'merges.txt': '' }));
    expect(badIds.file).toMatch(/vocab\.json$/u);
  });

  it('needs a token for every byte', async () => {
    const err = await loadError(await folder('few-bytes', { 'vocab.json': JSON.stringify({ a: 0, b: 1, ab: 2 }), 'merges.txt': 'a b\n' }));
    expect(err.problem).toMatch(/lacks 254 of the 256 byte tokens/u);
  });

  it('rejects a WordPiece vocabulary without an unknown token', async () => {
    const wordPiece = { ...unigram, normalizer: null, pre_tokenizer: { type: 'BertPreTokenizer' }, decoder: null };
    const json = { ...wordPiece, model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', vocab: { a: 0 } } };
    expect((await loadError(await folder('no-unk', { 'tokenizer.json': JSON.stringify(json) }))).problem).toMatch(/unknown token/u);
  });

  describe('token ids', () => {
    // Every byte as its own token (its value as its id), one merge, as a GPT-2 tokenizer.json lays them out.
    const vocab: Record<string, number> = { ...Object.fromEntries(BYTE_TO_CHAR.map((c, i) => [c, i])), ab: 256 };
    const byteLevel = (changes: { vocab?: Record<string, unknown>; added?: unknown[] }): string =>
      JSON.stringify({
        version: '1.0',
        added_tokens: changes.added ?? [],
        normalizer: null,
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
        post_processor: null,
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: { type: 'BPE', vocab: { ...vocab, ...changes.vocab }, merges: ['a b'] },
      });
    const added = (id: unknown): object => ({
      id,
      content: '<|x|>',
      special: true,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
    });

    it('are whole numbers from 0 up, in the vocabulary and among the added tokens', async () => {
      const fraction = await loadError(await folder('id-fraction', { 'tokenizer.json': byteLevel({ vocab: { yT: -5e-323 } }) }));
      expect(fraction.file).toMatch(/tokenizer\.json$/u);
      expect(fraction.problem).toMatch(/token "yT" has id -5e-323/u);
      const twice = await loadError(await folder('id-twice', { 'tokenizer.json': byteLevel({ vocab: { "7'i": 7 } }) }));
      expect(twice.problem).toMatch(/tokens ".+" and "7'i" both have id 7/u);
      const text = await loadError(await folder('id-text', { 'tokenizer.json': byteLevel({ added: [added('7')] }) }));
      expect(text.problem).toMatch(/added token "<\|x\|>" has id "7"/u);
    });

    it('come with pipeline stages the library can build', async () => {
      const json = JSON.parse(byteLevel({})) as Record<string, unknown>;
      for (const [key, value] of [
        ['post_processor', false],
        ['decoder', 7],
        ['pre_tokenizer', { add_prefix_space: false }],
      ] as const) {
        const e = await loadError(await folder(`stage-${key}`, { 'tokenizer.json': JSON.stringify({ ...json, [key]: value }) }));
        expect(e.problem).toBe(`"${key}" is ${JSON.stringify(value)}, not an object with a "type"`);
      }
    });

    it('are bounded, so a forged id cannot size an allocation', async () => {
      const huge = await loadError(await folder('id-huge', { 'tokenizer.json': byteLevel({ added: [added(2 ** 31 - 1)] }) }));
      expect(huge.problem).toMatch(/has id 2147483647; ids go up to \d+/u);
    });

    it('leave no gap, which the tokenizer library cannot handle', async () => {
      const gap = await loadError(await folder('id-gap', { 'tokenizer.json': byteLevel({ added: [added(300)] }) }));
      expect(gap.problem).toMatch(/no token has id 257/u);
      // The same id twice is how GPT-2 lists <|endoftext|>: in the vocabulary and among the added tokens.
      const again = await loadTokenizer(await folder('id-again', { 'tokenizer.json': byteLevel({ added: [added(256)] }) }));
      expect(again.vocabSize).toBe(257);
    });
  });

  it('does not cache a failure: a fixed folder loads', async () => {
    // Every byte as its own token, with the byte's value as its id, then one merge.
    const vocab: Record<string, number> = Object.fromEntries(BYTE_TO_CHAR.map((c, i) => [c, i]));
    vocab['ab'] = 256;
    const dir = await folder('fixed-later', { 'vocab.json': JSON.stringify(vocab) });
    await loadError(dir);
    await writeFile(join(dir, 'merges.txt'), '#version: 0.2\na b\n');
    const tokenizer = await loadTokenizer(dir);
    expect(tokenizer.encode('abab c')).toEqual([256, 256, 0x20, 0x63]);
    expect(tokenizer.vocabSize).toBe(257);
    expect(tokenizer.eosTokenId).toBeNull();
  });
});
