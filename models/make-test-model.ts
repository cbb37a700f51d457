/**
 * Generates a GPT-2 model folder from a seed: random weights at a real GPT-2 shape, the real GPT-2
 * tokenizer. As a checkpoint (config.json + model.safetensors) or as an Optimum-layout ONNX export.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gpt2ConfigJson } from '../electron/engine/formats/gpt2-config.js';
import { loadGpt2Checkpoint } from '../electron/engine/formats/gpt2-checkpoint.js';
import { writeSafetensors } from '../electron/engine/formats/safetensors.js';
import { buildOptimumGraph, type ExportStyle, type OptimumVariant } from '../electron/engine/graph/optimum-graph.js';
import type { WeightPrecision } from '../electron/engine/graph/weights.js';
import { writeGpt2TokenizerFiles } from '../electron/engine/tokenizer/index.js';
import { BERT_CHINESE_VOCAB_SIZE, writeBertChineseTokenizerFiles } from './bert-chinese-tokenizer.js';
import { randomGpt2Weights } from './random-weights.js';
import { TEST_MODEL_SHAPES, type TestModelShape } from './test-model-shapes.js';

export interface MakeTestModelOptions {
  shape: TestModelShape;
  seed: number;
  outDir: string;
  format?: 'safetensors' | 'onnx';
  /** 'bert-chinese': a WordPiece vocabulary laid out like uer/gpt2-chinese-cluecorpussmall's (21128 tokens). */
  tokenizer?: 'gpt2' | 'bert-chinese';
  /** ONNX only: which files to write. Default: onnx/model.onnx (fp32) and onnx/model_int8.onnx. */
  onnxFiles?: readonly OnnxFile[];
}

export interface OnnxFile {
  precision: WeightPrecision;
  variant: Exclude<OptimumVariant, 'no-past'> | 'split';
  /** How the weights are stored (see ExportStyle); default: as Transformers.js v3 publishes them. */
  style?: ExportStyle;
  /** Weights inside the .onnx file rather than in `<file>_data` beside it. */
  inline?: boolean;
}

const SUFFIX: Record<WeightPrecision, string> = { fp32: '', fp16: '_fp16', int8: '_int8', q4: '_q4' };

export async function makeTestModel(options: MakeTestModelOptions): Promise<string> {
  const chinese = options.tokenizer === 'bert-chinese';
  // uer's Chinese GPT-2 ships a config.json whose eos_token_id is GPT-2's 50256, which its vocabulary does not
  // even have: the stop token must come from the tokenizer ([SEP]). The generated config keeps that quirk.
  const config = chinese
    ? { ...TEST_MODEL_SHAPES[options.shape], vocabSize: BERT_CHINESE_VOCAB_SIZE, eosTokenId: 50256 }
    : TEST_MODEL_SHAPES[options.shape];
  const outDir = path.resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'config.json'), JSON.stringify(gpt2ConfigJson(config), null, 2));
  if (chinese) await writeBertChineseTokenizerFiles(outDir);
  else await writeGpt2TokenizerFiles(outDir);
  const { tensors, shapes } = randomGpt2Weights(config, options.seed);
  const checkpoint = path.join(outDir, 'model.safetensors');
  await writeSafetensors(checkpoint, tensors, shapes, { format: 'pt', kaituhi_seed: String(options.seed), kaituhi_shape: options.shape });
  if ((options.format ?? 'safetensors') === 'safetensors') return outDir;

  const weights = await loadGpt2Checkpoint(outDir, config);
  const files = options.onnxFiles ?? [
    { precision: 'fp32', variant: 'with-past' },
    { precision: 'int8', variant: 'with-past' },
  ];
  for (const { precision, variant, style, inline } of files) {
    const suffix = SUFFIX[precision];
    // fp16 exports carry float16 past, present and logits, as Optimum's model_fp16.onnx does.
    const halfIo = precision === 'fp16';
    const write = async (graphVariant: OptimumVariant, dir: string, fileName: string): Promise<void> => {
      const graph = buildOptimumGraph(weights, precision, graphVariant, halfIo, style);
      if (!inline) await graph.writeTo(dir, fileName);
      else {
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, fileName), graph.toBytes());
      }
    };
    if (variant === 'with-past') await write('with-past', path.join(outDir, 'onnx'), `model${suffix}.onnx`);
    else if (variant === 'merged') await write('merged', outDir, `decoder_model_merged${suffix}.onnx`);
    else {
      await write('no-past', outDir, `decoder_model${suffix}.onnx`);
      await write('with-past', outDir, `decoder_with_past_model${suffix}.onnx`);
    }
  }
  // An ONNX export folder carries no checkpoint: the loader must use the ONNX files.
  await rm(checkpoint);
  return outDir;
}
