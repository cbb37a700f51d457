/**
 * ONNX exports run on Kaituhi's fast graph, built from the weights in their initializers, in every layout and
 * weight format exporters publish; the greedy tokens are those of the export run as it is. An export whose
 * weights cannot be mapped still runs, as exported, and says why.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../../../electron/engine/model/load-model.js';
import { mapExportWeights } from '../../../electron/engine/graph/export-weights.js';
import { readGpt2Config } from '../../../electron/engine/formats/gpt2-config.js';
import { readOnnxModel } from '../../../electron/engine/onnx/onnx-file.js';
import type { OnnxFile } from '../../../models/make-test-model.js';
import { AGREEMENT_PROMPTS, greedyAgreementOf } from '../../bench/agreement.js';
import { testModel } from '../../support/fixtures.js';

const { onnx } = onnxProto;

interface Case {
  readonly name: string;
  readonly fixture: string;
  readonly file: OnnxFile;
  /** Share of 4 prompts × 32 teacher-forced steps where the fast graph picks the export's greedy token. */
  readonly agreement: number;
  readonly summary: RegExp;
}

// fp32 carries the same numbers through the same arithmetic: every token equal. fp16 exports keep their K/V
// cache in float16 where the fast graph keeps float32 (it then agrees with the fp32 checkpoint on every step:
// measured 128/128, the export 127/128). int8 keeps the export's own int8 weights (as MatMulNBits blocks) but
// quantizes activations per block of 32 where the export quantizes a whole row at once, so a near-tie can flip.
// Measured shares on this tiny model (flatter than a trained GPT-2's distributions) are in each case's comment.
const CASES: Case[] = [
  {
    name: 'fp32, MatMul + Add, folded head, external data (Transformers.js model.onnx)',
    fixture: 'tiny-export-fp32',
    file: { precision: 'fp32', variant: 'with-past' },
    agreement: 1,
    summary: /float32 \(MatMul\).*tied to wte/,
  },
  {
    name: 'fp32, Gemm on a 2-D view, weights inside the file',
    fixture: 'tiny-export-fp32-gemm-inline',
    file: { precision: 'fp32', variant: 'with-past', style: { linear: 'gemm' }, inline: true },
    agreement: 1,
    summary: /float32 \(Gemm\)/,
  },
  {
    name: 'fp32 merged decoder (If branches), head as Transpose(wte)',
    fixture: 'tiny-export-fp32-merged',
    file: { precision: 'fp32', variant: 'merged', style: { head: 'transposed-wte' } },
    agreement: 1,
    summary: /tied to wte/,
  },
  {
    name: 'fp32 split decoder (decoder_model + decoder_with_past_model)',
    fixture: 'tiny-export-fp32-split',
    file: { precision: 'fp32', variant: 'split' },
    agreement: 1,
    summary: /float32/,
  },
  {
    name: 'fp16 weights, float16 past and logits',
    fixture: 'tiny-export-fp16',
    file: { precision: 'fp16', variant: 'with-past' },
    agreement: 0.97, // 0.992
    summary: /float16/,
  },
  {
    name: 'int8, dynamic quantization per tensor (Transformers.js q8)',
    fixture: 'tiny-export-int8-dynamic',
    file: { precision: 'int8', variant: 'with-past' },
    agreement: 0.93, // 0.961
    summary: /int8 per tensor \(MatMulInteger\).*head int8 per tensor/,
  },
  {
    name: 'int8, uint8 weights with a scale and zero point per channel, inline, Transpose(wte) head',
    fixture: 'tiny-export-uint8-per-channel',
    file: { precision: 'int8', variant: 'with-past', style: { int8: 'dynamic-uint8-per-channel', head: 'transposed-wte' }, inline: true },
    agreement: 0.93, // 0.969
    summary: /uint8 per channel \(MatMulInteger\)/,
  },
  {
    name: 'int8 where the quantizer left Gemm float',
    fixture: 'tiny-export-int8-gemm',
    file: { precision: 'int8', variant: 'with-past', style: { linear: 'gemm' } },
    agreement: 0.93, // 0.969: the float Gemm weights are quantized like a checkpoint's, for int8 speed
    summary: /float32 \(Gemm\).*head int8/,
  },
  {
    name: 'int8 as MatMulNBits blocks',
    fixture: 'tiny-export-int8-blocks',
    file: { precision: 'int8', variant: 'with-past', style: { int8: 'blocks' } },
    agreement: 0.93, // 0.969: the same blocks; the export's float head is quantized like a checkpoint's
    summary: /8-bit blocks of 32/,
  },
  {
    name: '4-bit MatMulNBits (q4)',
    fixture: 'tiny-export-q4',
    file: { precision: 'q4', variant: 'with-past' },
    agreement: 0.88, // 0.922
    summary: /4-bit blocks of 32/,
  },
];

describe('every export layout runs on the fast graph with the export’s greedy tokens', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = await testModel(c.fixture, { format: 'onnx', onnxFiles: [c.file] });
      const fast = await loadModel({ modelDir: dir, precision: c.file.precision, devices: ['cpu'] });
      expect(fast.info).toMatchObject({ format: 'onnx', graph: 'kaituhi', graphFallbackReason: null, precision: c.file.precision });
      await fast.release();
      const agreement = await greedyAgreementOf(
        { modelDir: dir, precision: c.file.precision, graph: 'as-exported' },
        { modelDir: dir, precision: c.file.precision },
        AGREEMENT_PROMPTS,
      );
      if (c.agreement === 1) expect(agreement).toBe(1);
      else expect(agreement).toBeGreaterThanOrEqual(c.agreement);

      const file = c.file.variant === 'with-past' ? path.join(dir, 'onnx', `model${suffix(c.file)}.onnx`) : '';
      if (file) {
        const config = await readGpt2Config(path.join(dir, 'config.json'));
        const mapped = await mapExportWeights(await readOnnxModel(file), config, c.file.precision);
        expect(mapped.summary).toMatch(c.summary);
      }
    });
  }
});

function suffix(file: OnnxFile): string {
  return { fp32: '', fp16: '_fp16', int8: '_int8', q4: '_q4' }[file.precision];
}

describe('the graph built from an export', () => {
  it('is cached: a second load reuses it, and a changed weight file builds a new one', async () => {
    const dir = await testModel('tiny-export-fp32-cache', { format: 'onnx', onnxFiles: [{ precision: 'fp32', variant: 'with-past' }] });
    const cacheDir = path.join(dir, '.cache-test');
    await rm(cacheDir, { recursive: true, force: true });
    const first = await loadModel({ modelDir: dir, devices: ['cpu'], cacheDir });
    await first.release();
    const built = await graphFiles(cacheDir);
    expect(built).toHaveLength(1);
    const before = (await stat(built[0]!)).mtimeMs;
    const second = await loadModel({ modelDir: dir, devices: ['cpu'], cacheDir });
    await second.release();
    expect(await graphFiles(cacheDir)).toEqual(built);
    expect((await stat(built[0]!)).mtimeMs).toBe(before);

    // The weights live in model.onnx_data: the key covers that file too.
    const data = path.join(dir, 'onnx', 'model.onnx_data');
    const bytes = await readFile(data);
    try {
      const changed = Buffer.from(bytes);
      changed.writeFloatLE(changed.readFloatLE(changed.length - 4) + 1, changed.length - 4);
      await writeFile(data, changed);
      const third = await loadModel({ modelDir: dir, devices: ['cpu'], cacheDir });
      await third.release();
      expect(await graphFiles(cacheDir)).toHaveLength(2);
    } finally {
      await writeFile(data, bytes);
    }
  });
});

describe('an export whose weights cannot be mapped', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs as exported, logs why, and reports it', async () => {
    // A weight computed in the graph (W + 0) is no constant: the linear-layer count no longer matches GPT-2's.
    const source = await testModel('tiny-export-fp32-inline', {
      format: 'onnx',
      onnxFiles: [{ precision: 'fp32', variant: 'with-past', inline: true }],
    });
    const dir = await testModel('tiny-export-unmappable', {
      format: 'onnx',
      onnxFiles: [{ precision: 'fp32', variant: 'with-past', inline: true }],
    });
    const model = onnx.ModelProto.decode(await readFile(path.join(source, 'onnx', 'model.onnx')));
    const graph = model.graph!;
    const matmul = graph.node!.find((n) => n.opType === 'MatMul' && n.input![1]!.endsWith('c_attn.weight'))!;
    const weight = matmul.input![1]!;
    graph.initializer!.push({ name: 'zero_for_test', dims: [], dataType: 1, rawData: new Uint8Array(4) });
    graph.node!.unshift({ opType: 'Add', input: [weight, 'zero_for_test'], output: ['computed_weight'], name: 'computed' });
    matmul.input![1] = 'computed_weight';
    await writeFile(path.join(dir, 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());
    await rm(path.join(dir, '.kaituhi-cache'), { recursive: true, force: true });

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const m = await loadModel({ modelDir: dir, devices: ['cpu'] });
    expect(m.info.graph).toBe('as-exported');
    expect(m.info.graphFallbackReason).toMatch(/found 8 linear layers with constant weights where GPT-2 with 2 layers has 9/);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/runs as exported.*found 8 linear layers/));
    // It still generates, with the export's own numbers.
    const { logits } = await m.decoder.setContext([1, 2, 3]);
    expect(logits.length).toBe(m.info.vocabSize);
    await m.release();
  });

  it('refuses to read external data outside the model folder', async () => {
    const source = await testModel('tiny-export-fp32', { format: 'onnx', onnxFiles: [{ precision: 'fp32', variant: 'with-past' }] });
    const model = onnx.ModelProto.decode(await readFile(path.join(source, 'onnx', 'model.onnx')));
    const external = model.graph!.initializer!.find((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)!;
    external.externalData!.find((e) => e.key === 'location')!.value = '../../../etc/passwd';
    const dir = await testModel('tiny-export-escaping-data', { format: 'onnx', onnxFiles: [{ precision: 'fp32', variant: 'with-past' }] });
    await writeFile(path.join(dir, 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());
    await expect(readOnnxModel(path.join(dir, 'onnx', 'model.onnx'))).rejects.toThrow(/external data outside the model folder/);
  });
});

async function graphFiles(cacheDir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const graphs = path.join(cacheDir, 'graphs');
  const entries = await readdir(graphs, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const file = path.join(graphs, e.name, 'model.onnx');
    try {
      await stat(file);
      out.push(file);
    } catch {
      // a folder without a graph
    }
  }
  return out.sort();
}
