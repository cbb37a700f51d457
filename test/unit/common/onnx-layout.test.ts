/**
 * One set of ONNX layout rules: the engine's choice of graphs and the store's import check agree on every
 * folder. The import used to keep its own list, which refused exports the engine loads.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseOnnxLayout, onnxGraphPrecision } from '../../../electron/common/onnx-layout.js';
import { detectLayout } from '../../../electron/engine/model/layout.js';
import { validateModelFolder } from '../../../electron/store/validate-folder.js';

let root: string;
let made = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-onnx-layout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A model folder whose graphs are stand-ins: enough for the import's header check (an ONNX field tag). */
async function folder(graphs: readonly string[]): Promise<string> {
  const dir = path.join(root, `m${made++}`);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_layer: 2 }));
  await writeFile(path.join(dir, 'tokenizer.json'), '{}');
  for (const g of graphs) {
    await mkdir(path.dirname(path.join(dir, g)), { recursive: true });
    await writeFile(path.join(dir, g), Buffer.from([0x08, 0x07]));
  }
  return dir;
}

const engineLoads = (dir: string) =>
  detectLayout(dir).then(
    () => true,
    () => false,
  );

describe('ONNX layouts', () => {
  it('the import accepts the exports the README lists and the engine loads: _uint8, _q4f16, split decoders, a top-level model.onnx', async () => {
    for (const graphs of [
      ['onnx/model_uint8.onnx'],
      ['onnx/model_q4f16.onnx'],
      ['model.onnx'],
      ['onnx/decoder_model.onnx', 'onnx/decoder_with_past_model.onnx'],
      ['decoder_model_int8.onnx', 'decoder_with_past_model_int8.onnx'],
      ['onnx/decoder_model_merged_q4.onnx'],
    ]) {
      const dir = await folder(graphs);
      expect(await engineLoads(dir), graphs.join()).toBe(true);
      const check = await validateModelFolder(dir);
      expect(check.problems, graphs.join()).toEqual([]);
      expect(check.format).toBe('onnx');
      expect([...check.files].filter((f) => f.endsWith('.onnx')).sort()).toEqual([...graphs].sort());
    }
  });

  it('and refuses what the engine cannot run: half a split pair, a graph in another folder, an unknown variant', async () => {
    for (const graphs of [
      ['onnx/decoder_model.onnx'],
      ['onnx/decoder_with_past_model.onnx'],
      ['models/model.onnx'],
      ['onnx/model_int4.onnx'],
    ]) {
      const dir = await folder(graphs);
      expect(await engineLoads(dir), graphs.join()).toBe(false);
      expect((await validateModelFolder(dir)).ok, graphs.join()).toBe(false);
    }
  });

  it('agrees with the engine on any folder', async () => {
    const names = ['model', 'decoder_model_merged', 'decoder_model', 'decoder_with_past_model'].flatMap((stem) =>
      ['', '_fp16', '_int8', '_quantized', '_uint8', '_q4', '_q4f16', '_int4'].map((suffix) => `${stem}${suffix}.onnx`),
    );
    const paths = names.flatMap((name) => [name, `onnx/${name}`]);
    await fc.assert(
      fc.asyncProperty(fc.subarray(paths, { maxLength: 4 }), async (graphs) => {
        const dir = await folder(graphs);
        expect((await validateModelFolder(dir)).ok).toBe(await engineLoads(dir));
      }),
      { numRuns: 60 },
    );
  });

  it('names the precision of each graph file, and picks the precision asked for first', () => {
    expect(onnxGraphPrecision('onnx/model_q4f16.onnx')).toBe('q4');
    expect(onnxGraphPrecision('decoder_with_past_model_uint8.onnx')).toBe('int8');
    expect(onnxGraphPrecision('onnx/model.onnx_data')).toBeNull();
    expect(onnxGraphPrecision('elsewhere/model.onnx')).toBeNull();
    const present = new Set(['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_q4.onnx']);
    expect(chooseOnnxLayout(present)).toEqual({ withPast: 'onnx/model.onnx', noPast: null, precision: 'fp32' });
    expect(chooseOnnxLayout(present, 'q4')).toEqual({ withPast: 'onnx/model_q4.onnx', noPast: null, precision: 'q4' });
    expect(chooseOnnxLayout(present, 'int8')?.precision).toBe('fp32');
  });
});
