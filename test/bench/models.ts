/** The benchmarks' models: random weights at real GPT-2 shapes, generated with the project's own command when missing. */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Precision } from '../../electron/engine/types.js';
import { makeTestModel } from '../../models/make-test-model.js';
import type { TestModelShape } from '../../models/test-model-shapes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The precisions the generated ONNX export carries, as Transformers.js publishes them (model.onnx, model_int8.onnx). */
export const EXPORT_PRECISIONS: readonly Precision[] = ['fp32', 'int8'];

/** models/generated/<shape>-seed1-<format>: a checkpoint (config.json + model.safetensors) or an Optimum-layout export. */
export async function benchModel(shape: TestModelShape, format: 'safetensors' | 'onnx'): Promise<string> {
  const dir = path.join(root, 'models', 'generated', `${shape}-seed1-${format}`);
  try {
    await access(path.join(dir, 'config.json'));
  } catch {
    process.stderr.write(`generating ${shape} (${format}) in ${dir}\n`);
    const t = performance.now();
    await makeTestModel({
      shape,
      seed: 1,
      outDir: dir,
      format,
      onnxFiles: EXPORT_PRECISIONS.map((precision) => ({ precision, variant: 'with-past' })),
    });
    process.stderr.write(`generated ${shape} (${format}) in ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
  }
  return dir;
}
