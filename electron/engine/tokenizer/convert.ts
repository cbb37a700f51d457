/**
 * Builds tokenizer.json objects for models that ship only the older files: GPT-2's vocab.json + merges.txt, or
 * BERT's vocab.txt (the uer/gpt2-chinese-* models). The output matches what `tokenizers` would save.
 */

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

function addedToken(id: number, content: string, normalized: boolean): AddedTokenJson {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized, special: true };
}

/** merges.txt: an optional '#version' header, then one 'left right' pair per line. */
export function parseMerges(text: string): string[] {
  const merges: string[] = [];
  for (const line of text.split(/\r?\n/u)) {
    if (line === '' || line.startsWith('#version')) continue;
    merges.push(line);
  }
  return merges;
}

/** Throws a plain Error saying what is wrong; the loader names the file. */
export function checkMerges(merges: readonly string[], vocab: ReadonlyMap<string, number>): void {
  for (const [i, merge] of merges.entries()) {
    const parts = merge.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new Error(`line ${i + 1} is not a pair of tokens: ${JSON.stringify(merge)}`);
    }
    if (!vocab.has(parts.join(''))) throw new Error(`merge ${JSON.stringify(merge)} makes a token missing from vocab.json`);
  }
}

export function byteLevelBpeTokenizerJson(
  vocab: Readonly<Record<string, number>>,
  merges: readonly string[],
  specialTokens: readonly string[],
): object {
  const added = specialTokens.flatMap((t) => (vocab[t] === undefined ? [] : [addedToken(vocab[t], t, true)]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * BERT's post-processor, as `tokenizers` converts a BertTokenizer: [CLS] A [SEP] (and [CLS] A [SEP] B [SEP] for
 * pairs). Null without both markers in the vocabulary.
 */
export function bertTemplateProcessing(vocab: Readonly<Record<string, number>>): object | null {
  const cls = vocab['[CLS]'];
  const sep = vocab['[SEP]'];
  if (cls === undefined || sep === undefined) return null;
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    type: 'TemplateProcessing',
    single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
    pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
    },
  };
}

/** vocab.txt: one token per line, the line number is the id. */
export function wordPieceTokenizerJson(vocabText: string, lowercase: boolean): object {
  const lines = vocabText.split(/\r?\n/u);
  if (lines.at(-1) === '') lines.pop();
  const vocab: Record<string, number> = {};
  for (const [id, token] of lines.entries()) if (!(token in vocab)) vocab[token] = id;
  const added = BERT_SPECIAL_TOKENS.flatMap((t) => (vocab[t] === undefined ? [] : [addedToken(vocab[t], t, false)]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    // BertTokenizer, which these models name, adds [CLS] ... [SEP]: the start marker is read from here.
    post_processor: bertTemplateProcessing(vocab),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}
