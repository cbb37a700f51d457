/** The tokenizer room: GPT-2 byte-level BPE and BERT WordPiece behind one interface (plain Node). */
export type { StreamDecoder, TextTokenizer } from './types.js';
export { loadTokenizer } from './load.js';
export { gpt2TokenizerJson, writeGpt2TokenizerFiles } from './gpt2-files.js';
