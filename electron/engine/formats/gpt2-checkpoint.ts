/**
 * GPT2LMHeadModel weights from model.safetensors, by Hugging Face tensor name, checked against config.json.
 * Conv1D weights are stored [in, out]; the LM head is tied to wte.
 */
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import type { Gpt2Config } from './gpt2-config.js';
import { readSafetensorsIndex, readTensorsAsFloat32, type SafetensorsIndex } from './safetensors.js';

export interface LayerWeights {
  readonly ln1Weight: Float32Array;
  readonly ln1Bias: Float32Array;
  /** [C, 3C] */
  readonly attnWeight: Float32Array;
  readonly attnBias: Float32Array;
  /** [C, C] */
  readonly attnProjWeight: Float32Array;
  readonly attnProjBias: Float32Array;
  readonly ln2Weight: Float32Array;
  readonly ln2Bias: Float32Array;
  /** [C, 4C] */
  readonly fcWeight: Float32Array;
  readonly fcBias: Float32Array;
  /** [4C, C] */
  readonly fcProjWeight: Float32Array;
  readonly fcProjBias: Float32Array;
}

export interface Gpt2Weights {
  readonly config: Gpt2Config;
  /** [V, C] */
  readonly wte: Float32Array;
  /** [P, C] */
  readonly wpe: Float32Array;
  readonly layers: readonly LayerWeights[];
  readonly lnfWeight: Float32Array;
  readonly lnfBias: Float32Array;
}

export function expectedShapes(config: Gpt2Config): Map<string, number[]> {
  const C = config.nEmbd;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [config.vocabSize, C]],
    ['wpe.weight', [config.nPositions, C]],
    ['ln_f.weight', [C]],
    ['ln_f.bias', [C]],
  ]);
  for (let i = 0; i < config.nLayer; i++) {
    const p = `h.${i}.`;
    shapes.set(`${p}ln_1.weight`, [C]).set(`${p}ln_1.bias`, [C]);
    shapes.set(`${p}attn.c_attn.weight`, [C, 3 * C]).set(`${p}attn.c_attn.bias`, [3 * C]);
    shapes.set(`${p}attn.c_proj.weight`, [C, C]).set(`${p}attn.c_proj.bias`, [C]);
    shapes.set(`${p}ln_2.weight`, [C]).set(`${p}ln_2.bias`, [C]);
    shapes.set(`${p}mlp.c_fc.weight`, [C, 4 * C]).set(`${p}mlp.c_fc.bias`, [4 * C]);
    shapes.set(`${p}mlp.c_proj.weight`, [4 * C, C]).set(`${p}mlp.c_proj.bias`, [C]);
  }
  return shapes;
}

/** Checkpoints name tensors with or without the `transformer.` prefix; map our short names to the file's. */
function resolveNames(index: SafetensorsIndex): (short: string) => string | undefined {
  return (short) => {
    for (const candidate of [`transformer.${short}`, short]) if (index.tensors.has(candidate)) return candidate;
    return undefined;
  };
}

/** Checks names and shapes without reading weights: cheap enough for import validation. */
export function checkCheckpointAgainstConfig(index: SafetensorsIndex, config: Gpt2Config, configFile: string): Map<string, string> {
  const resolve = resolveNames(index);
  const fileNames = new Map<string, string>();
  for (const [short, shape] of expectedShapes(config)) {
    const name = resolve(short);
    if (!name) {
      // A missing layer usually means config.json belongs to another size of GPT-2.
      throw new ModelLoadError(
        index.file,
        `tensor transformer.${short} is missing`,
        `does ${path.basename(configFile)} (n_layer ${config.nLayer}) belong to this checkpoint?`,
      );
    }
    const actual = index.tensors.get(name)!.shape;
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      const hint =
        short === 'wte.weight'
          ? `vocabulary size mismatch: config.json says vocab_size ${config.vocabSize}`
          : `config.json says n_embd ${config.nEmbd}, n_positions ${config.nPositions}`;
      throw new ModelLoadError(index.file, `tensor ${name} has shape [${actual.join(', ')}], expected [${shape.join(', ')}]`, hint);
    }
    fileNames.set(short, name);
  }
  return fileNames;
}

export async function loadGpt2Checkpoint(modelDir: string, config: Gpt2Config): Promise<Gpt2Weights> {
  const file = path.join(modelDir, 'model.safetensors');
  const index = await readSafetensorsIndex(file);
  const names = checkCheckpointAgainstConfig(index, config, path.join(modelDir, 'config.json'));
  const tensors = await readTensorsAsFloat32(index, names.values());
  const get = (short: string): Float32Array => tensors.get(names.get(short)!)!;
  for (const short of names.keys()) {
    if (!allFinite(get(short)))
      throw new ModelLoadError(file, `tensor ${names.get(short)} holds NaN or infinite values`, 'the file is corrupt');
  }
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.nLayer; i++) {
    const p = `h.${i}.`;
    layers.push({
      ln1Weight: get(`${p}ln_1.weight`),
      ln1Bias: get(`${p}ln_1.bias`),
      attnWeight: get(`${p}attn.c_attn.weight`),
      attnBias: get(`${p}attn.c_attn.bias`),
      attnProjWeight: get(`${p}attn.c_proj.weight`),
      attnProjBias: get(`${p}attn.c_proj.bias`),
      ln2Weight: get(`${p}ln_2.weight`),
      ln2Bias: get(`${p}ln_2.bias`),
      fcWeight: get(`${p}mlp.c_fc.weight`),
      fcBias: get(`${p}mlp.c_fc.bias`),
      fcProjWeight: get(`${p}mlp.c_proj.weight`),
      fcProjBias: get(`${p}mlp.c_proj.bias`),
    });
  }
  return { config, wte: get('wte.weight'), wpe: get('wpe.weight'), layers, lnfWeight: get('ln_f.weight'), lnfBias: get('ln_f.bias') };
}

function allFinite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return false;
  return true;
}
