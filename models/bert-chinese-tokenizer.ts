/**
 * A BERT WordPiece tokenizer laid out like uer/gpt2-chinese-cluecorpussmall's (21128 entries, [PAD] 0,
 * [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, CJK characters, Latin wordpieces with ##), for generating
 * Chinese GPT-2 test models. The real vocabulary cannot be downloaded here; the layout and kind are what matter.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bertTemplateProcessing } from '../electron/engine/tokenizer/convert.js';

export const BERT_CHINESE_VOCAB_SIZE = 21128;

export function bertChineseVocab(): string[] {
  const vocab: string[] = ['[PAD]'];
  for (let i = 1; i < 100; i++) vocab.push(`[unused${i}]`);
  vocab.push('[UNK]', '[CLS]', '[SEP]', '[MASK]');
  const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~，。！？：；、“”‘’《》（）…—';
  for (const ch of punctuation) vocab.push(ch);
  for (let d = 0; d <= 9; d++) vocab.push(String(d));
  for (let c = 97; c <= 122; c++) vocab.push(String.fromCharCode(c));
  for (const word of ['the', 'and', 'he', 'she', 'said', 'gpt', 'hello', 'world']) vocab.push(word);
  for (let c = 97; c <= 122; c++) vocab.push(`##${String.fromCharCode(c)}`);
  for (let cp = 0x4e00; vocab.length < BERT_CHINESE_VOCAB_SIZE; cp++) vocab.push(String.fromCodePoint(cp));
  return vocab;
}

/** A BERT WordPiece tokenizer.json over `vocab` (which must hold [PAD] [UNK] [CLS] [SEP] [MASK]), as Hugging Face writes it. */
export function bertTokenizerJson(vocab: readonly string[]): object {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (content: string): object => ({
    id: ids[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: bertTemplateProcessing(ids),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

export function bertChineseTokenizerJson(): object {
  return bertTokenizerJson(bertChineseVocab());
}

export async function writeBertChineseTokenizerFiles(dir: string): Promise<void> {
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(bertChineseTokenizerJson()));
  await writeFile(path.join(dir, 'vocab.txt'), `${bertChineseVocab().join('\n')}\n`);
  await writeFile(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 1024 }),
  );
}
