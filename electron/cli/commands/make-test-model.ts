import { makeTestModel } from '../../../models/make-test-model.js';
import type { TestModelShape } from '../../../models/test-model-shapes.js';
import { TEST_MODEL_SHAPES } from '../../../models/test-model-shapes.js';
import { PRECISIONS, type Precision } from '../../common/generation.js';
import { parseCommandArgs, UsageError, type Command } from '../command.js';

const SHAPES = Object.keys(TEST_MODEL_SHAPES);
const INT8_STYLES = ['dynamic-int8', 'dynamic-uint8-per-channel', 'blocks'] as const;

export const makeTestModelCommand: Command = {
  summary: 'write a random-weight GPT-2 (real shapes, real tokenizer) for tests and benchmarks',
  help: [
    'usage: kaituhi make-test-model --out DIR [options]',
    '',
    'Writes a GPT-2 with random weights (its words are nonsense) at a real shape, with the real tokenizer, and prints its folder.',
    '',
    'options:',
    '  --out DIR                where to write it (required)',
    `  --shape S                ${SHAPES.join(', ')} (default tiny)`,
    '  --seed N                 the same seed writes the same weights (default 1)',
    '  --format F               safetensors (a checkpoint) or onnx (an Optimum-style export) (default safetensors)',
    `  --onnx-files LIST        onnx only: the precisions to write, of ${PRECISIONS.join(', ')} (default fp32,int8)`,
    `  --int8-style S           onnx only: how int8 weights are stored: ${INT8_STYLES.join(', ')} (default dynamic-int8)`,
    '  --help, -h               this help',
    '',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandArgs(argv, {
      shape: { type: 'string', default: 'tiny' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      format: { type: 'string', default: 'safetensors' },
      // ONNX only: which precisions to write (onnx/model.onnx, model_fp16, model_int8, model_q4), and how int8 is stored.
      'onnx-files': { type: 'string', default: 'fp32,int8' },
      'int8-style': { type: 'string', default: 'dynamic-int8' },
    });
    if (!SHAPES.includes(values.shape!)) throw new UsageError(`--shape must be one of ${SHAPES.join(', ')}`);
    if (!values.out) throw new UsageError('--out DIR is required');
    if (values.format !== 'safetensors' && values.format !== 'onnx') throw new UsageError('--format must be safetensors or onnx');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
    const precisions = values['onnx-files']!.split(',');
    const unknown = precisions.find((p) => !PRECISIONS.includes(p as Precision));
    if (unknown !== undefined)
      throw new UsageError(`--onnx-files takes a comma-separated list of ${PRECISIONS.join(', ')}; "${unknown}" is none of them`);
    const int8 = INT8_STYLES.find((st) => st === values['int8-style']);
    if (!int8) throw new UsageError(`--int8-style must be one of ${INT8_STYLES.join(', ')}`);
    const dir = await makeTestModel({
      shape: values.shape as TestModelShape,
      seed,
      outDir: values.out,
      format: values.format,
      onnxFiles: precisions.map((precision) => ({ precision: precision as Precision, variant: 'with-past', style: { int8 } })),
    });
    process.stdout.write(`${dir}\n`);
    return 0;
  },
};
