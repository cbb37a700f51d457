import { makeTestModel } from '../../../models/make-test-model.js';
import type { TestModelShape } from '../../../models/test-model-shapes.js';
import { TEST_MODEL_SHAPES } from '../../../models/test-model-shapes.js';
import { parseCommandArgs, UsageError, type Command } from '../command.js';

const SHAPES = Object.keys(TEST_MODEL_SHAPES);

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
    '  --help, -h               this help',
    '',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandArgs(argv, {
      shape: { type: 'string', default: 'tiny' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      format: { type: 'string', default: 'safetensors' },
    });
    if (!SHAPES.includes(values.shape!)) throw new UsageError(`--shape must be one of ${SHAPES.join(', ')}`);
    if (!values.out) throw new UsageError('--out DIR is required');
    if (values.format !== 'safetensors' && values.format !== 'onnx') throw new UsageError('--format must be safetensors or onnx');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
    const dir = await makeTestModel({ shape: values.shape as TestModelShape, seed, outDir: values.out, format: values.format });
    process.stdout.write(`${dir}\n`);
    return 0;
  },
};
