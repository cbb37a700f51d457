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

const LAYER = /^(?:transformer\.)?h\.(\d+)\./;

/**
 * Checks config.json against the dimensions the checkpoint's own header declares, field by field, then every tensor's
 * name and shape; nothing is read but the header, so it is cheap enough for import validation and runs before any
 * size is taken from config.json.
 */
export function checkCheckpointAgainstConfig(index: SafetensorsIndex, config: Gpt2Config, configFile: string): Map<string, string> {
  const resolve = resolveNames(index);
  const weightsName = path.basename(index.file);
  const mismatch = (field: string, value: number, holds: string): ModelLoadError =>
    new ModelLoadError(configFile, `"${field}" is ${value}, but ${weightsName} holds ${holds}`, 'config.json belongs to another model');
  const shapeOf = (short: string): readonly number[] | null => {
    const name = resolve(short);
    return name === undefined ? null : index.tensors.get(name)!.shape;
  };
  const wte = shapeOf('wte.weight');
  if (wte === null) throw new ModelLoadError(index.file, 'tensor transformer.wte.weight is missing', 'not a GPT-2 checkpoint');
  if (wte.length === 2) {
    if (wte[0] !== config.vocabSize) throw mismatch('vocab_size', config.vocabSize, `${wte[0]} tokens`);
    if (wte[1] !== config.nEmbd) throw mismatch('n_embd', config.nEmbd, `width ${wte[1]}`);
  }
  const wpe = shapeOf('wpe.weight');
  if (wpe?.length === 2 && wpe[0] !== config.nPositions) throw mismatch('n_positions', config.nPositions, `${wpe[0]} positions`);
  const layers = new Set<number>();
  for (const name of index.tensors.keys()) {
    const m = LAYER.exec(name);
    if (m) layers.add(Number(m[1]));
  }
  if (layers.size !== config.nLayer) throw mismatch('n_layer', config.nLayer, `${layers.size} layers`);

  const fileNames = new Map<string, string>();
  for (const [short, shape] of expectedShapes(config)) {
    const name = resolve(short);
    if (!name) throw new ModelLoadError(index.file, `tensor transformer.${short} is missing`, 'the checkpoint is incomplete');
    const actual = index.tensors.get(name)!.shape;
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(
        index.file,
        `tensor ${name} has shape [${actual.join(', ')}], expected [${shape.join(', ')}]`,
        'the checkpoint is inconsistent',
      );
    }
    fileNames.set(short, name);
  }
  return fileNames;
}

export async function loadGpt2Checkpoint(modelDir: string, config: Gpt2Config): Promise<Gpt2Weights> {
  const index = await readSafetensorsIndex(path.join(modelDir, 'model.safetensors'));
  return readGpt2Weights(index, checkCheckpointAgainstConfig(index, config, path.join(modelDir, 'config.json')), config);
}

/** The weights of a checkpoint already checked against its config (the names come from checkCheckpointAgainstConfig). */
export async function readGpt2Weights(
  index: SafetensorsIndex,
  names: ReadonlyMap<string, string>,
  config: Gpt2Config,
): Promise<Gpt2Weights> {
  const file = index.file;
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
