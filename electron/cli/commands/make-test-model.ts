import { parseArgs } from 'node:util';
import { makeTestModel } from '../../../models/make-test-model.js';
import type { TestModelShape } from '../../../models/test-model-shapes.js';
import { TEST_MODEL_SHAPES } from '../../../models/test-model-shapes.js';
import type { WeightPrecision } from '../../engine/graph/weights.js';

export const makeTestModelCommand = {
  summary: 'write a random-weight GPT-2 (real shapes, real tokenizer) for tests and benchmarks',
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
        shape: { type: 'string', default: 'tiny' },
        seed: { type: 'string', default: '1' },
        out: { type: 'string' },
        format: { type: 'string', default: 'safetensors' },
        // ONNX only: which precisions to write (onnx/model.onnx, model_fp16, model_int8, model_q4), and how int8 is stored.
        'onnx-files': { type: 'string', default: 'fp32,int8' },
        'int8-style': { type: 'string', default: 'dynamic-int8' },
      },
      strict: true,
    });
    const shapes = Object.keys(TEST_MODEL_SHAPES);
    if (!shapes.includes(values.shape!)) throw new Error(`--shape must be one of ${shapes.join(', ')}`);
    if (!values.out) throw new Error('--out DIR is required');
    if (values.format !== 'safetensors' && values.format !== 'onnx') throw new Error('--format must be safetensors or onnx');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
    const precisions = values['onnx-files']!.split(',');
    const known: WeightPrecision[] = ['fp32', 'fp16', 'int8', 'q4'];
    const unknown = precisions.find((p) => !known.includes(p as WeightPrecision));
    if (unknown !== undefined)
      throw new Error(`--onnx-files takes a comma-separated list of ${known.join(', ')}; "${unknown}" is none of them`);
    const styles = ['dynamic-int8', 'dynamic-uint8-per-channel', 'blocks'] as const;
    const int8 = styles.find((st) => st === values['int8-style']);
    if (!int8) throw new Error(`--int8-style must be one of ${styles.join(', ')}`);
    const dir = await makeTestModel({
      shape: values.shape as TestModelShape,
      seed,
      outDir: values.out,
      format: values.format,
      onnxFiles: precisions.map((precision) => ({ precision: precision as WeightPrecision, variant: 'with-past', style: { int8 } })),
    });
    process.stdout.write(`${dir}\n`);
    return 0;
  },
};
