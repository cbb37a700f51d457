import { parseArgs } from 'node:util';
import { makeTestModel } from '../../../models/make-test-model.js';
import type { TestModelShape } from '../../../models/test-model-shapes.js';
import { TEST_MODEL_SHAPES } from '../../../models/test-model-shapes.js';

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
      },
      strict: true,
    });
    const shapes = Object.keys(TEST_MODEL_SHAPES);
    if (!shapes.includes(values.shape!)) throw new Error(`--shape must be one of ${shapes.join(', ')}`);
    if (!values.out) throw new Error('--out DIR is required');
    if (values.format !== 'safetensors' && values.format !== 'onnx') throw new Error('--format must be safetensors or onnx');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
    const dir = await makeTestModel({ shape: values.shape as TestModelShape, seed, outDir: values.out, format: values.format });
    process.stdout.write(`${dir}\n`);
    return 0;
  },
};
