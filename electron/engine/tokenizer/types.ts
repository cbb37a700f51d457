/** The tokenizer's public contract; the generator, the prefix cache and the token counter code against it. */

export interface StreamDecoder {
  /** Text that became complete with this token; never half a UTF-8 character (may be ''). */
  push(tokenId: number): string;
  /** The rest, at the end. */
  flush(): string;
}

export interface TextTokenizer {
  readonly kind: 'byte-level-bpe' | 'wordpiece';
  /** Number of ids the tokenizer can produce (max id + 1). */
  readonly vocabSize: number;
  /**
   * '<|endoftext|>' for GPT-2; '[SEP]' for BERT-WordPiece Chinese GPT-2 models. Taken from the tokenizer, not
   * config.json: the Chinese models' config.json names GPT-2's 50256, which is outside their vocabulary.
   */
  readonly eosTokenId: number | null;
  /**
   * The marker the model saw at the start of every text in training, taken from the tokenizer's post-processor:
   * '[CLS]' for the BERT-vocabulary Chinese GPT-2 models (UER-py wrote each document as [CLS] text [SEP]); null
   * for GPT-2's byte-level BPE, whose texts start bare.
   */
  readonly startTokenId: number | null;
  /** Never adds special tokens ([CLS]/[SEP]/BOS). */
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** Concatenation of push()es + flush() === decode(all ids). */
  createStreamDecoder(): StreamDecoder;
}
