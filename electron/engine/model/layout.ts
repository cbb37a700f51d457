/** Finds which GPT-2 layout a folder holds, before anything heavy is read. */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import type { Precision } from '../types.js';

export type ModelLayout =
  | { readonly kind: 'checkpoint'; readonly weightsFile: string }
  | { readonly kind: 'onnx'; readonly withPastFile: string; readonly noPastFile: string | null; readonly precision: Precision };

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Variant file suffixes as Optimum / Transformers.js name them, per precision, best first. */
const VARIANT_SUFFIXES: Record<Precision, readonly string[]> = {
  fp32: [''],
  fp16: ['_fp16'],
  int8: ['_int8', '_quantized', '_uint8'],
  q4: ['_q4', '_q4f16'],
};

function precisionOrder(preferred: Precision | undefined): Precision[] {
  const all: Precision[] = ['fp32', 'int8', 'fp16', 'q4'];
  return preferred ? [preferred, ...all.filter((p) => p !== preferred)] : all;
}

export async function detectLayout(modelDir: string, preferred?: Precision): Promise<ModelLayout> {
  if (!(await exists(modelDir))) throw new ModelLoadError(modelDir, 'folder not found');
  if (!(await exists(path.join(modelDir, 'config.json')))) {
    throw new ModelLoadError(
      path.join(modelDir, 'config.json'),
      'missing',
      'a GPT-2 model folder holds config.json, tokenizer.json and the weights',
    );
  }
  const checkpoint = path.join(modelDir, 'model.safetensors');
  // A checkpoint wins when the caller asks for nothing in particular: Kaituhi's own graph is the fast one.
  if (await exists(checkpoint)) return { kind: 'checkpoint', weightsFile: checkpoint };
  for (const precision of precisionOrder(preferred)) {
    for (const suffix of VARIANT_SUFFIXES[precision]) {
      for (const folder of ['onnx', '.']) {
        const single = path.join(modelDir, folder, `model${suffix}.onnx`);
        if (await exists(single)) return { kind: 'onnx', withPastFile: single, noPastFile: null, precision };
        const merged = path.join(modelDir, folder, `decoder_model_merged${suffix}.onnx`);
        if (await exists(merged)) return { kind: 'onnx', withPastFile: merged, noPastFile: null, precision };
        const withPast = path.join(modelDir, folder, `decoder_with_past_model${suffix}.onnx`);
        const noPast = path.join(modelDir, folder, `decoder_model${suffix}.onnx`);
        if ((await exists(withPast)) && (await exists(noPast)))
          return { kind: 'onnx', withPastFile: withPast, noPastFile: noPast, precision };
      }
    }
  }
  throw new ModelLoadError(
    modelDir,
    'no model weights found',
    'expected model.safetensors, or onnx/model.onnx (or a variant such as model_int8.onnx, decoder_model_merged.onnx)',
  );
}
