/** Which file of a model folder the engine runs, for every layout Optimum and Transformers.js publish. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectLayout } from '../../../electron/engine/model/layout.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-layout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(name: string, files: string[]): Promise<string> {
  const dir = path.join(root, name);
  for (const f of ['config.json', ...files]) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), '');
  }
  return dir;
}

describe('model folder layouts', () => {
  it('prefers the checkpoint, which Kaituhi converts to its own graph', async () => {
    const dir = await folder('both', ['model.safetensors', 'onnx/model.onnx']);
    expect(await detectLayout(dir)).toEqual({ kind: 'checkpoint', weightsFile: path.join(dir, 'model.safetensors') });
  });

  it('picks the variant file for the precision asked for, and falls back to what exists', async () => {
    const dir = await folder('variants', [
      'onnx/model.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_quantized.onnx',
      'onnx/model_q4.onnx',
      'onnx/model.onnx_data',
    ]);
    expect(await detectLayout(dir)).toMatchObject({ withPastFile: path.join(dir, 'onnx/model.onnx'), precision: 'fp32' });
    expect(await detectLayout(dir, 'fp16')).toMatchObject({ withPastFile: path.join(dir, 'onnx/model_fp16.onnx'), precision: 'fp16' });
    expect(await detectLayout(dir, 'int8')).toMatchObject({ withPastFile: path.join(dir, 'onnx/model_quantized.onnx'), precision: 'int8' });
    expect(await detectLayout(dir, 'q4')).toMatchObject({ withPastFile: path.join(dir, 'onnx/model_q4.onnx'), precision: 'q4' });
    const onlyInt8 = await folder('only-int8', ['onnx/model_int8.onnx']);
    expect(await detectLayout(onlyInt8, 'fp32')).toMatchObject({
      withPastFile: path.join(onlyInt8, 'onnx/model_int8.onnx'),
      precision: 'int8',
    });
  });

  it('reads the legacy merged decoder and the split pair', async () => {
    const merged = await folder('merged', ['decoder_model_merged.onnx', 'decoder_model.onnx', 'decoder_with_past_model.onnx']);
    expect(await detectLayout(merged)).toMatchObject({ withPastFile: path.join(merged, 'decoder_model_merged.onnx'), noPastFile: null });
    const split = await folder('split', ['onnx/decoder_model.onnx', 'onnx/decoder_with_past_model.onnx']);
    expect(await detectLayout(split)).toMatchObject({
      withPastFile: path.join(split, 'onnx/decoder_with_past_model.onnx'),
      noPastFile: path.join(split, 'onnx/decoder_model.onnx'),
    });
  });

  it('says what it expected when nothing is there', async () => {
    const empty = await folder('empty', ['tokenizer.json']);
    await expect(detectLayout(empty)).rejects.toThrow(/no model weights found.*model\.safetensors, or onnx\/model\.onnx/);
  });
});
