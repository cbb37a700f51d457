/** GPT-2 hyperparameters from a Hugging Face config.json, checked before any weight is read. */
import { readFile } from 'node:fs/promises';
import { ModelLoadError } from '../errors.js';

export interface Gpt2Config {
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly vocabSize: number;
  readonly nPositions: number;
  readonly layerNormEpsilon: number;
  /** From config.json; the tokenizer's own end token takes precedence (Chinese GPT-2 uses [SEP]). */
  readonly eosTokenId: number | null;
  readonly modelType: string;
}

/**
 * Upper bounds for every value that sizes something (a tensor, a cache, a loop over layers). Each is many times
 * what any GPT-2 uses (XL: 48 layers, 25 heads, width 1600, 1024 positions, 50257 tokens), yet small enough that
 * a config.json which lies is refused at once instead of making the engine allocate or loop for minutes.
 */
export const GPT2_CONFIG_LIMITS = {
  n_layer: 256,
  n_head: 256,
  n_embd: 16_384,
  n_positions: 65_536,
  vocab_size: 1_048_576,
} as const;

type LimitedField = keyof typeof GPT2_CONFIG_LIMITS;

function boundedInt(file: string, raw: Record<string, unknown>, field: LimitedField, ...aliases: string[]): number {
  for (const key of [field, ...aliases]) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)
      throw new ModelLoadError(file, `"${key}" must be a positive integer, found ${JSON.stringify(v)}`);
    const limit = GPT2_CONFIG_LIMITS[field];
    if (v > limit)
      throw new ModelLoadError(file, `"${key}" is ${v}; Kaituhi accepts at most ${limit}`, 'no GPT-2 comes near it: the file is damaged');
    return v;
  }
  throw new ModelLoadError(file, `"${field}" is missing`, 'is this a GPT-2 config.json?');
}

export function parseGpt2Config(file: string, text: string): Gpt2Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ModelLoadError(file, 'not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelLoadError(file, 'not a JSON object');
  const obj = raw as Record<string, unknown>;
  const modelType = typeof obj.model_type === 'string' ? obj.model_type : 'gpt2';
  if (modelType !== 'gpt2') throw new ModelLoadError(file, `model_type is "${modelType}", Kaituhi runs GPT-2 models only`);
  const activation = obj.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new' && activation !== 'gelu_pytorch_tanh') {
    throw new ModelLoadError(file, `activation_function "${String(activation)}" is not GPT-2's tanh GELU`);
  }
  const nLayer = boundedInt(file, obj, 'n_layer', 'num_hidden_layers');
  const nHead = boundedInt(file, obj, 'n_head', 'num_attention_heads');
  const nEmbd = boundedInt(file, obj, 'n_embd', 'hidden_size');
  if (nEmbd % nHead !== 0) throw new ModelLoadError(file, `n_embd ${nEmbd} is not divisible by n_head ${nHead}`);
  const eps = obj.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0 && eps < 1))
    throw new ModelLoadError(file, `layer_norm_epsilon ${JSON.stringify(eps)} is not a small positive number`);
  const eos = obj.eos_token_id;
  return {
    nLayer,
    nHead,
    nEmbd,
    vocabSize: boundedInt(file, obj, 'vocab_size'),
    nPositions: boundedInt(file, obj, 'n_positions', 'n_ctx', 'max_position_embeddings'),
    layerNormEpsilon: eps,
    eosTokenId: typeof eos === 'number' && Number.isSafeInteger(eos) ? eos : null,
    modelType,
  };
}

export async function readGpt2Config(file: string): Promise<Gpt2Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ModelLoadError(
      file,
      `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      'a GPT-2 model folder needs config.json',
    );
  }
  return parseGpt2Config(file, text);
}

export function gpt2ConfigJson(config: Gpt2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_embd: config.nEmbd,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    vocab_size: config.vocabSize,
    layer_norm_epsilon: config.layerNormEpsilon,
    bos_token_id: config.eosTokenId,
    eos_token_id: config.eosTokenId,
    tie_word_embeddings: true,
  };
}

/** The config values a graph build reads beyond the weights themselves: part of every built graph's cache key. */
export function graphSettings(config: Gpt2Config): Readonly<Record<string, number>> {
  return {
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_embd: config.nEmbd,
    n_positions: config.nPositions,
    vocab_size: config.vocabSize,
    layer_norm_epsilon: config.layerNormEpsilon,
  };
}
