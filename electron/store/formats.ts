/**
 * The folder layouts the engine loads (DESIGN.md §3), as file names. The catalog test and the import check both
 * read these rules, so a catalog entry can never name a layout the engine would refuse.
 */
import type { Precision } from '../engine/types.js';

export type ModelFormat = 'onnx' | 'checkpoint';

/** Optimum / Transformers.js variant files, and the legacy merged decoder with `use_cache_branch`. */
const ONNX_WEIGHTS: ReadonlyMap<string, Precision> = new Map<string, Precision>([
  ['model.onnx', 'fp32'],
  ['model_fp16.onnx', 'fp16'],
  ['model_int8.onnx', 'int8'],
  ['model_quantized.onnx', 'int8'],
  ['model_q4.onnx', 'q4'],
  ['decoder_model_merged.onnx', 'fp32'],
  ['decoder_model_merged_fp16.onnx', 'fp16'],
  ['decoder_model_merged_quantized.onnx', 'int8'],
]);

/** Optimum writes the merged decoder at the top of an export; the hub repos keep every graph under onnx/. */
export function onnxWeightPrecision(relPath: string): Precision | null {
  const slash = relPath.lastIndexOf('/');
  const dir = slash < 0 ? '' : relPath.slice(0, slash);
  const base = relPath.slice(slash + 1);
  const precision = ONNX_WEIGHTS.get(base);
  if (precision === undefined) return null;
  if (dir === 'onnx') return precision;
  if (dir === '' && base.startsWith('decoder_model_merged')) return precision;
  return null;
}

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

/** An ONNX graph over 2 GB keeps its tensors beside it (`model.onnx_data`, `model.onnx.data`, `model.onnx_data_1`...). */
export function isExternalDataOf(weightsPath: string, candidate: string): boolean {
  return candidate !== weightsPath && (candidate.startsWith(`${weightsPath}_data`) || candidate.startsWith(`${weightsPath}.data`));
}
