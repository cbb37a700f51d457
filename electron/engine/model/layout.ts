/** Finds which GPT-2 layout a folder holds, before anything heavy is read. */
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { chooseOnnxLayout, EXPECTED_ONNX_FILES } from '../../common/onnx-layout.js';
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

/** The files at the folder's top and in its onnx/ folder, as '/'-separated relative paths. */
async function graphCandidates(modelDir: string): Promise<Set<string>> {
  const present = new Set<string>();
  for (const folder of ['', 'onnx']) {
    const names = await readdir(path.join(modelDir, folder)).catch(() => [] as string[]);
    for (const name of names) present.add(folder === '' ? name : `${folder}/${name}`);
  }
  return present;
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
  const graphs = chooseOnnxLayout(await graphCandidates(modelDir), preferred);
  if (graphs) {
    const file = (rel: string): string => path.join(modelDir, ...rel.split('/'));
    return {
      kind: 'onnx',
      withPastFile: file(graphs.withPast),
      noPastFile: graphs.noPast === null ? null : file(graphs.noPast),
      precision: graphs.precision,
    };
  }
  throw new ModelLoadError(modelDir, 'no model weights found', `expected model.safetensors, or ${EXPECTED_ONNX_FILES}`);
}
