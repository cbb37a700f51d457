import type { Tokenizer } from '@huggingface/tokenizers';
import { spaceBetween } from './cjk-spacing.js';
import type { StreamDecoder, TextTokenizer } from './types.js';

/** How much decoded text the spacing rules look back at. */
const TAIL = 8;

/**
 * BERT-style WordPiece, as used by the Chinese GPT-2 models (uer/gpt2-chinese-*). Encoding goes through
 * @huggingface/tokenizers; decoding is ours, because the library's WordPiece decoder puts a space between
 * every pair of CJK characters.
 */
export class WordPieceTokenizer implements TextTokenizer {
  readonly kind = 'wordpiece';
  readonly vocabSize: number;
  readonly #textById: Array<string | undefined>;
  readonly #continuing: readonly boolean[];

  readonly #hf: Tokenizer;

  constructor(
    hf: Tokenizer,
    readonly eosTokenId: number | null,
    readonly startTokenId: number | null,
    subwordPrefix: string,
  ) {
    this.#hf = hf;
    const vocab = hf.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    // [CLS], [SEP], [PAD], [MASK] and [UNK] are markers, not text: a writer should never see them.
    const special = new Set<number>();
    for (const [id, token] of hf.get_added_tokens_decoder()) if (token.special) special.add(id);
    this.#textById = new Array<string | undefined>(this.vocabSize);
    const continuing = new Array<boolean>(this.vocabSize).fill(false);
    for (const [token, id] of vocab) {
      if (special.has(id)) continue;
      const isPiece = subwordPrefix !== '' && token.startsWith(subwordPrefix) && token.length > subwordPrefix.length;
      continuing[id] = isPiece;
      this.#textById[id] = isPiece ? token.slice(subwordPrefix.length) : token;
    }
    this.#continuing = continuing;
  }

  encode(text: string): number[] {
    if (text === '') return [];
    return this.#hf.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    const stream = this.createStreamDecoder();
    let out = '';
    for (const id of ids) out += stream.push(id);
    return out + stream.flush();
  }

  createStreamDecoder(): StreamDecoder {
    let tail = '';
    return {
      push: (id) => {
        const text = this.#textById[id];
        if (text === undefined) return '';
        const piece = !this.#continuing[id] && spaceBetween(tail, text) ? ` ${text}` : text;
        tail = (tail + piece).slice(-TAIL);
        return piece;
      },
      // Every token is whole characters, so nothing is ever held back.
      flush: () => '',
    };
  }
}
