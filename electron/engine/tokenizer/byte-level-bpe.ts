import type { Tokenizer } from '@huggingface/tokenizers';
import { tokenBytes, utf8Bytes } from './byte-alphabet.js';
import type { StreamDecoder, TextTokenizer } from './types.js';

const EMPTY = new Uint8Array(0);

function utf8Decoder(): TextDecoder {
  // ignoreBOM keeps a leading U+FEFF: without it decode(encode('\uFEFFx')) would lose it.
  return new TextDecoder('utf-8', { ignoreBOM: true });
}

/**
 * GPT-2's byte-level BPE. Encoding goes through @huggingface/tokenizers; decoding works on bytes, because a
 * token may hold part of a UTF-8 character (GPT-2 splits most CJK characters and emoji across tokens).
 */
export class ByteLevelBpeTokenizer implements TextTokenizer {
  readonly kind = 'byte-level-bpe';
  readonly vocabSize: number;
  /** Bytes of every id, computed once: decoding runs per generated token and must not re-map strings. */
  readonly #bytesById: Uint8Array[];

  readonly #hf: Tokenizer;

  constructor(
    hf: Tokenizer,
    readonly eosTokenId: number | null,
    readonly startTokenId: number | null = null,
  ) {
    this.#hf = hf;
    const added = new Set(hf.get_added_tokens_decoder().keys());
    const vocab = hf.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.#bytesById = new Array<Uint8Array>(this.vocabSize).fill(EMPTY);
    for (const [token, id] of vocab) {
      // Added tokens ('<|endoftext|>', custom markers) are literal text, not written in the byte alphabet.
      this.#bytesById[id] = (added.has(id) ? null : tokenBytes(token)) ?? utf8Bytes(token);
    }
  }

  encode(text: string): number[] {
    if (text === '') return [];
    return this.#hf.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    const chunks = ids.map((id) => this.#bytesOf(id));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return utf8Decoder().decode(bytes);
  }

  createStreamDecoder(): StreamDecoder {
    // TextDecoder's stream mode holds back an incomplete trailing sequence and, per the Encoding Standard,
    // yields the same text however the bytes are chunked, so push()es + flush() equal decode().
    const decoder = utf8Decoder();
    return {
      push: (id) => decoder.decode(this.#bytesOf(id), { stream: true }),
      flush: () => decoder.decode(),
    };
  }

  /** Ids past the tokenizer (checkpoints that pad the embedding to a round size) carry no text. */
  #bytesOf(id: number): Uint8Array {
    return this.#bytesById[id] ?? EMPTY;
  }
}
