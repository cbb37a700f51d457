/**
 * An Optimum / Transformers.js GPT-2 export, compared with config.json from what the file declares (its inputs,
 * outputs and initializer shapes) before onnxruntime opens it: every size the decoder takes from config.json is
 * then one the graph agrees with, and a folder whose parts do not belong together is refused by name.
 */
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import type { OnnxDim, OnnxSignature, OnnxValueInfo } from '../onnx/onnx-signature.js';
import type { Gpt2Config } from './gpt2-config.js';

const PRESENT_KEY = /^present\.(\d+)\.key$/;
const PAST_KEY = /^past_key_values\.(\d+)\.key$/;

function staticDim(info: OnnxValueInfo | undefined, axis: number): number | null {
  const dim: OnnxDim | undefined = info?.dims?.[axis];
  return typeof dim === 'number' && dim > 0 ? dim : null;
}

/**
 * `withPast`: the graph takes past_key_values (every layout but the first graph of a split export).
 * Throws a ModelLoadError naming the config field that disagrees, or the part of the decoder layout that is missing.
 */
export function checkOnnxAgainstConfig(signature: OnnxSignature, config: Gpt2Config, configFile: string, withPast: boolean): void {
  const shown = path.join(path.basename(path.dirname(signature.file)), path.basename(signature.file));
  const mismatch = (field: string, value: number, has: string): ModelLoadError =>
    new ModelLoadError(configFile, `"${field}" is ${value}, but ${shown} has ${has}`, 'config.json belongs to another model');
  const inputs = new Map(signature.inputs.map((i) => [i.name, i]));
  const outputs = new Map(signature.outputs.map((o) => [o.name, o]));

  const missing: string[] = [];
  for (const name of ['input_ids', 'attention_mask']) if (!inputs.has(name)) missing.push(`input ${name}`);
  if (!outputs.has('logits')) missing.push('output logits');
  const presentLayers = new Set<number>();
  for (const name of outputs.keys()) {
    const m = PRESENT_KEY.exec(name);
    if (m) presentLayers.add(Number(m[1]));
  }
  if (presentLayers.size === 0) missing.push('outputs present.N.key');
  if (missing.length > 0) throw new ModelLoadError(signature.file, `not a GPT-2 decoder: missing ${missing.join(', ')}`);

  if (presentLayers.size !== config.nLayer) throw mismatch('n_layer', config.nLayer, `${presentLayers.size} layers`);
  for (let l = 0; l < config.nLayer; l++) {
    if (!presentLayers.has(l)) throw new ModelLoadError(signature.file, `not a GPT-2 decoder: output present.${l}.key is missing`);
    if (withPast && !inputs.has(`past_key_values.${l}.key`))
      throw new ModelLoadError(signature.file, `not a GPT-2 decoder: input past_key_values.${l}.key is missing`);
  }
  if (withPast) {
    const pastLayers = [...inputs.keys()].filter((name) => PAST_KEY.test(name)).length;
    if (pastLayers !== config.nLayer) throw mismatch('n_layer', config.nLayer, `${pastLayers} layers of past input`);
  }

  // [batch, heads, positions, head size], as Optimum declares both the past and the present.
  const kv = inputs.get('past_key_values.0.key') ?? outputs.get('present.0.key');
  const heads = staticDim(kv, 1);
  const headSize = staticDim(kv, 3);
  if (heads !== null && heads !== config.nHead) throw mismatch('n_head', config.nHead, `${heads} heads`);
  if (heads !== null && headSize !== null && heads * headSize !== config.nEmbd)
    throw mismatch('n_embd', config.nEmbd, `width ${heads * headSize}`);
  const vocab = staticDim(outputs.get('logits'), 2);
  if (vocab !== null && vocab !== config.vocabSize) throw mismatch('vocab_size', config.vocabSize, `${vocab} tokens`);

  // Exports keep the embeddings under their Transformers names; quantized ones may rename them, so these are checked when found.
  const initializers = new Map(signature.initializers.map((t) => [t.name, t]));
  const wte = initializers.get('transformer.wte.weight');
  if (wte?.dims.length === 2) {
    if (wte.dims[0] !== config.vocabSize) throw mismatch('vocab_size', config.vocabSize, `${wte.dims[0]} tokens`);
    if (wte.dims[1] !== config.nEmbd) throw mismatch('n_embd', config.nEmbd, `width ${wte.dims[1]}`);
  }
  const wpe = initializers.get('transformer.wpe.weight');
  if (wpe?.dims.length === 2 && wpe.dims[0] !== config.nPositions)
    throw mismatch('n_positions', config.nPositions, `${wpe.dims[0]} positions`);

  // Tensors kept beside the graph must stay beside it: a location that climbs out of the folder is not a model's.
  for (const t of signature.initializers) {
    const location = t.external?.location;
    if (location === undefined) continue;
    const normal = path.posix.normalize(location.replaceAll('\\', '/'));
    if (path.posix.isAbsolute(normal) || path.win32.isAbsolute(location) || normal === '..' || normal.startsWith('../')) {
      throw new ModelLoadError(signature.file, `initializer ${t.name} keeps its data at "${location}", outside the model's folder`);
    }
  }
}
