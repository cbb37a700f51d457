/**
 * The folder layouts the engine loads, as file names. The ONNX rules are the engine's own
 * (electron/common/onnx-layout.ts); the catalog test and the import check read them from here.
 */
export type ModelFormat = 'onnx' | 'checkpoint';

export const CHECKPOINT_WEIGHTS = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

/** Tokenizer files the engine reads: tokenizer.json, or vocab.json + merges.txt it converts, or BERT's vocab.txt (Chinese GPT-2). */
export type TokenizerLayout = 'tokenizer.json' | 'vocab.json+merges.txt' | 'vocab.txt';

export function tokenizerLayout(present: ReadonlySet<string>): TokenizerLayout | null {
  if (present.has('tokenizer.json')) return 'tokenizer.json';
  if (present.has('vocab.json') && present.has('merges.txt')) return 'vocab.json+merges.txt';
  if (present.has('vocab.txt')) return 'vocab.txt';
  return null;
}

/** Small files worth carrying along with a model; the engine may read them, and they cost nothing. */
export const SIDE_FILES: readonly string[] = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'vocab.txt',
];
