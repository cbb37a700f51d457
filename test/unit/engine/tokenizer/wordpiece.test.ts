import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type TextTokenizer } from '../../../../electron/engine/tokenizer/index.js';
import { bertTokenizerJson as bertTokenizerJsonFor } from '../../../../models/bert-chinese-tokenizer.js';

// A miniature of uer/gpt2-chinese-cluecorpussmall's BERT tokenizer (the real one has 21128 entries and cannot be
// downloaded here): the same specials at the same ids, CJK characters, full-width and Latin punctuation, and
// English wordpieces with '##' continuations.
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  '，',
  '。',
  '！',
  '？',
  '：',
  '、',
  '“',
  '”',
  '《',
  '》',
  ',',
  '.',
  '!',
  '?',
  "'",
  '(',
  ')',
  ':',
  '我',
  '你',
  '他',
  '们',
  '是',
  '的',
  '在',
  '今',
  '天',
  '气',
  '很',
  '好',
  '说',
  '中',
  '国',
  '人',
  '年',
  '书',
  '读',
  '吧',
  '去',
  '公',
  '园',
  'hello',
  'world',
  'the',
  'cat',
  'is',
  'play',
  '##ing',
  '##ed',
  'un',
  '##believ',
  '##able',
  'gp',
  '##t',
  'don',
  't',
  'he',
  'said',
  '3',
  '14',
  '2020',
  '1',
  '000',
  'a',
  'ok',
];

function bertTokenizerJson(): object {
  return bertTokenizerJsonFor(VOCAB);
}

const id = (token: string): number => {
  const i = VOCAB.indexOf(token);
  if (i < 0) throw new Error(`no ${token} in the fixture`);
  return i;
};

let dir: string;
let bert: TextTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kaituhi-wordpiece-'));
  await mkdir(join(dir, 'json'));
  await writeFile(join(dir, 'json', 'tokenizer.json'), JSON.stringify(bertTokenizerJson()));
  // config.json of these models says eos_token_id 50256, beyond the vocabulary: the tokenizer must not care.
  await writeFile(join(dir, 'json', 'config.json'), JSON.stringify({ model_type: 'gpt2', vocab_size: VOCAB.length, eos_token_id: 50256 }));
  bert = await loadTokenizer(join(dir, 'json'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DECODES: Array<[string, string]> = [
  ['今天天气很好。', '今天天气很好。'],
  ['我说：“你好！”', '我说：“你好！”'],
  ['《中国人》读书吧，去公园', '《中国人》读书吧，去公园'],
  ['Hello world, the cat is playing.', 'hello world, the cat is playing.'],
  ['The cat is unbelievable!', 'the cat is unbelievable!'],
  ["don't", "don't"],
  ['he said “hello”', 'he said “hello”'],
  // 'and' is not in the fixture: [UNK] is a marker, left out like the others.
  ['3.14 and 1,000', '3.14 1,000'],
  ['2020年，我读gpt', '2020年，我读gpt'],
  ['我是hello world的人', '我是hello world的人'],
  ['(ok) a: ok', '(ok) a: ok'],
];

describe('BERT WordPiece (Chinese GPT-2 models)', () => {
  it('describes itself from the tokenizer, not config.json', () => {
    expect(bert.kind).toBe('wordpiece');
    expect(bert.vocabSize).toBe(VOCAB.length);
    expect(bert.eosTokenId).toBe(id('[SEP]'));
    // The post-processor's template is [CLS] $A [SEP]: texts start with [CLS].
    expect(bert.startTokenId).toBe(id('[CLS]'));
  });

  it('encodes without [CLS]/[SEP]', () => {
    expect(bert.encode('今天很好')).toEqual(['今', '天', '很', '好'].map(id));
    expect(bert.encode('playing unbelievable')).toEqual(['play', '##ing', 'un', '##believ', '##able'].map(id));
    expect(bert.encode('')).toEqual([]);
  });

  it.each(DECODES)('decodes %j without the spaces WordPiece puts between CJK characters', (text, expected) => {
    const ids = bert.encode(text);
    expect(bert.decode(ids)).toBe(expected);
  });

  it.each(DECODES)('streams %j token by token as decode does', (text) => {
    const ids = bert.encode(text);
    const stream = bert.createStreamDecoder();
    const chunks = [...ids.map((i) => stream.push(i)), stream.flush()];
    expect(chunks.join('')).toBe(bert.decode(ids));
    expect(chunks.filter((c) => c !== '').length).toBe(ids.filter((i) => i !== id('[UNK]')).length);
  });

  it('leaves the special markers out of the text', () => {
    expect(bert.decode([id('[CLS]'), id('今'), id('天'), id('[UNK]'), id('好'), id('[SEP]'), id('[PAD]')])).toBe('今天好');
    expect(bert.decode([])).toBe('');
    expect(bert.decode([9999])).toBe('');
  });

  it("reads BERT's vocab.txt when that is all a model has", async () => {
    const legacy = join(dir, 'vocab-txt');
    await mkdir(legacy);
    await writeFile(join(legacy, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
    const converted = await loadTokenizer(legacy);
    expect(converted.kind).toBe('wordpiece');
    expect(converted.eosTokenId).toBe(id('[SEP]'));
    // BertTokenizer adds [CLS] ... [SEP]; the conversion keeps that template, so the start marker is known.
    expect(converted.startTokenId).toBe(id('[CLS]'));
    for (const [text, expected] of DECODES) {
      expect(converted.encode(text)).toEqual(bert.encode(text));
      expect(converted.decode(converted.encode(text))).toBe(expected);
    }
  });
});
