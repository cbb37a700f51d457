import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../../electron/store/catalog.js';
import { StoreError } from '../../../electron/store/errors.js';
import { ModelStore } from '../../../electron/store/model-store.js';
import { recommendModel } from '../../../electron/store/recommend.js';
import { validateModelFolder } from '../../../electron/store/validate-folder.js';

const catalog: Catalog = await loadCatalog();
const GB = 1024 ** 3;
let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'kaituhi-manage-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const CONFIG = JSON.stringify({ model_type: 'gpt2', n_layer: 2, n_head: 2, n_embd: 4 });

async function onnxFolder(name = 'my-gpt2'): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'config.json'), CONFIG);
  await writeFile(path.join(dir, 'tokenizer.json'), '{"model":{}}');
  // 0x08 = field 1 (ir_version), varint: how every ONNX ModelProto starts.
  await writeFile(path.join(dir, 'onnx', 'model_quantized.onnx'), Buffer.from([0x08, 0x08, 0x12, 0x00]));
  await writeFile(path.join(dir, 'onnx', 'model_fp16.onnx'), Buffer.from([0x08, 0x08]));
  await writeFile(path.join(dir, 'onnx', 'model_fp16.onnx_data'), Buffer.alloc(64));
  await writeFile(path.join(dir, 'notes.txt'), 'not part of the model');
  return dir;
}

function safetensors(tensors: Record<string, { dtype: string; shape: number[]; bytes: number }>, truncateBy = 0): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] };
    offset += t.bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(offset - truncateBy)]);
}

async function checkpointFolder(name = 'ckpt', truncateBy = 0): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), CONFIG);
  await writeFile(path.join(dir, 'vocab.json'), '{}');
  await writeFile(path.join(dir, 'merges.txt'), '#version: 0.2\n');
  await writeFile(
    path.join(dir, 'model.safetensors'),
    safetensors(
      { 'wte.weight': { dtype: 'F32', shape: [4, 2], bytes: 32 }, 'ln_f.bias': { dtype: 'F32', shape: [2], bytes: 8 } },
      truncateBy,
    ),
  );
  return dir;
}

async function openStore(extra: Partial<Parameters<typeof ModelStore.open>[0]> = {}): Promise<ModelStore> {
  return ModelStore.open({ root: path.join(tmp, 'store'), catalog, ...extra });
}

describe('validateModelFolder', () => {
  it('accepts an ONNX export and lists its precisions and files', async () => {
    const v = await validateModelFolder(await onnxFolder());
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, format: 'onnx', tokenizer: 'tokenizer.json' });
    expect(v.weights.map((w) => w.precision).sort()).toEqual(['fp16', 'int8']);
    expect(v.files).toEqual([
      'config.json',
      'onnx/model_fp16.onnx',
      'onnx/model_fp16.onnx_data',
      'onnx/model_quantized.onnx',
      'tokenizer.json',
    ]);
  });

  it('accepts a safetensors checkpoint by its header', async () => {
    const v = await validateModelFolder(await checkpointFolder());
    expect(v).toMatchObject({ ok: true, format: 'checkpoint', tokenizer: 'vocab.json+merges.txt' });
    expect(v.weights).toEqual([{ path: 'model.safetensors', precision: 'fp32', bytes: expect.any(Number) as number }]);
  });

  it('says what is wrong with a folder it cannot use', async () => {
    const truncated = await validateModelFolder(await checkpointFolder('cut', 8));
    expect(truncated.ok).toBe(false);
    expect(truncated.problems.join()).toMatch(/truncated/);

    const dir = await onnxFolder('bad');
    await rm(path.join(dir, 'tokenizer.json'));
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', n_layer: 2 }));
    await writeFile(path.join(dir, 'onnx', 'model_quantized.onnx'), '');
    const bad = await validateModelFolder(dir);
    expect(bad.ok).toBe(false);
    expect(bad.problems.join('\n')).toMatch(/no tokenizer/);
    expect(bad.problems.join('\n')).toMatch(/llama/);
    expect(bad.problems.join('\n')).toMatch(/model_quantized\.onnx is empty/);

    expect((await validateModelFolder(path.join(tmp, 'missing'))).problems[0]).toMatch(/does not exist/);
    const noWeights = await checkpointFolder('noweights');
    await rm(path.join(noWeights, 'model.safetensors'));
    expect((await validateModelFolder(noWeights)).problems.join()).toMatch(/no model weights/);
  });
});

describe('model store management', () => {
  it('imports a folder by copying it, and lists it', async () => {
    const src = await onnxFolder();
    const store = await openStore();
    const progress: number[] = [];
    const model = await store.importFolder(src, { onProgress: (p) => progress.push(p.bytes) });
    expect(model).toMatchObject({ id: 'my-gpt2-import', name: 'my-gpt2', format: 'onnx', source: { kind: 'import', from: src } });
    expect([...model.precisions].sort()).toEqual(['fp16', 'int8']);
    expect(model.sizeBytes).toBe(progress.at(-1));
    expect(model.dir.startsWith(path.join(tmp, 'store', 'models'))).toBe(true);
    expect((await readdir(path.join(model.dir, 'onnx'))).sort()).toEqual([
      'model_fp16.onnx',
      'model_fp16.onnx_data',
      'model_quantized.onnx',
    ]);
    await expect(stat(path.join(model.dir, 'notes.txt'))).rejects.toThrow();
    expect(await readFile(path.join(src, 'notes.txt'), 'utf8')).toBe('not part of the model'); // the source is untouched
    expect((await store.list()).map((m) => m.id)).toEqual(['my-gpt2-import']);
    // A second import of the same folder gets its own id.
    expect((await store.importFolder(src)).id).toBe('my-gpt2-import-2');
    expect(await readdir(path.join(tmp, 'store', '.partial'))).toEqual([]);
  });

  it('refuses an invalid folder and installs nothing', async () => {
    const store = await openStore();
    const dir = await checkpointFolder('cut', 8);
    const err = await store.importFolder(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('invalid-model');
    expect(await store.list()).toEqual([]);
  });

  it('runs the engine hook on the copy and stops when it fails', async () => {
    const checked: string[] = [];
    const store = await openStore({
      deepCheck: (dir) => {
        checked.push(dir);
        return Promise.reject(new Error('model.safetensors: tensor h.0.attn.c_attn.weight is missing'));
      },
    });
    const err = (await store.importFolder(await checkpointFolder()).catch((e: unknown) => e)) as StoreError;
    expect(err.code).toBe('invalid-model');
    expect(err.message).toContain('c_attn');
    expect(checked).toHaveLength(1);
    expect(checked[0]).toContain('.partial');
    expect(await store.list()).toEqual([]);
    expect(await readdir(path.join(tmp, 'store', '.partial'))).toEqual([]);
  });

  it('persists the active model and measured speed across restarts, and deletes', async () => {
    const store = await openStore();
    const a = await store.importFolder(await onnxFolder('a'));
    const b = await store.importFolder(await checkpointFolder('b'));
    expect(await store.getActive()).toBeNull();
    await store.setActive(b.id);
    await store.recordBenchmark(b.id, { tokensPerSecond: 42.5, device: 'cpu', precision: 'fp32' });
    await Promise.all([store.recordBenchmark(a.id, { tokensPerSecond: 120, device: 'cpu' }), store.setActive(a.id)]);

    const again = await openStore();
    expect((await again.getActive())?.id).toBe(a.id);
    const listed = await again.list();
    expect(listed.find((m) => m.id === b.id)).toMatchObject({
      active: false,
      format: 'checkpoint',
      precisions: ['fp32'],
      benchmark: { tokensPerSecond: 42.5, device: 'cpu' },
    });
    expect(listed.find((m) => m.id === a.id)).toMatchObject({ active: true, benchmark: { tokensPerSecond: 120 } });

    await again.delete(a.id);
    expect(await again.getActive()).toBeNull();
    expect((await again.list()).map((m) => m.id)).toEqual([b.id]);
    await expect(again.delete(a.id)).rejects.toThrow(/No installed model/);
    await expect(again.setActive('nope')).rejects.toThrow(StoreError);
  });

  it('treats a damaged store.json or manifest as absent instead of crashing', async () => {
    const warnings: string[] = [];
    const store = await openStore({ onWarning: (w) => warnings.push(w) });
    const m = await store.importFolder(await onnxFolder());
    await writeFile(path.join(tmp, 'store', 'store.json'), '{"schemaVersion": 1, "active": 7');
    expect(await store.getActive()).toBeNull();
    await store.setActive(m.id); // rewrites it whole
    expect((await store.getActive())?.id).toBe(m.id);
    await writeFile(path.join(m.dir, 'kaituhi-model.json'), '{}');
    expect(await store.list()).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('refuses an import that does not fit on the disk', async () => {
    const store = await openStore({ statfs: () => Promise.resolve({ bavail: 1, bsize: 512 }) });
    const err = (await store.importFolder(await onnxFolder()).catch((e: unknown) => e)) as StoreError;
    expect(err.code).toBe('disk-full');
  });
});

describe('recommendModel', () => {
  const machine = { hasGpu: false, gpuMemoryBytes: null, totalMemoryBytes: 8 * GB, freeDiskBytes: 100 * GB };

  it('picks int8 124M on a CPU', () => {
    const r = recommendModel(machine, catalog)!;
    expect(r).toMatchObject({ variantId: 'gpt2-onnx-int8', runPrecision: 'int8', format: 'onnx' });
    expect(r.downloadBytes).toBeGreaterThan(100e6);
    expect(r.reason).toEqual({ kind: 'no-gpu' });
    expect(r.alternatives).toContain('distilgpt2-onnx-int8');
  });

  it('picks a bigger checkpoint in fp16 on a GPU with room', () => {
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 24 * GB, totalMemoryBytes: 64 * GB }, catalog)).toMatchObject({
      variantId: 'gpt2-xl-checkpoint',
      runPrecision: 'fp16',
    });
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 4 * GB, totalMemoryBytes: 32 * GB }, catalog)?.variantId).toBe(
      'gpt2-large-checkpoint',
    );
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 2 * GB, totalMemoryBytes: 16 * GB }, catalog)?.variantId).toBe(
      'gpt2-medium-checkpoint',
    );
    // A small GPU is no better than the CPU pick.
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 1 * GB }, catalog)?.variantId).toBe('gpt2-onnx-int8');
  });

  it('respects the disk and memory, and says when nothing fits', () => {
    expect(
      recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 24 * GB, totalMemoryBytes: 64 * GB, freeDiskBytes: 3 * GB }, catalog)
        ?.variantId,
    ).toBe('gpt2-medium-checkpoint');
    // distilgpt2's int8 export is larger on disk than GPT-2's is estimated to be (about 237 MB), but needs less memory.
    expect(recommendModel({ ...machine, totalMemoryBytes: 0.8 * GB, freeDiskBytes: 1 * GB }, catalog)?.variantId).toBe(
      'distilgpt2-onnx-int8',
    );
    expect(recommendModel({ ...machine, freeDiskBytes: 100e6 }, catalog)).toBeNull();
  });

  it('says why: the GPU’s memory, or the CPU with or without a GPU beside it', () => {
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 24 * GB, totalMemoryBytes: 64 * GB }, catalog)?.reason).toEqual({
      kind: 'gpu',
      gpuGiB: 24,
    });
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 1 * GB }, catalog)?.reason).toEqual({ kind: 'cpu' });
    expect(recommendModel({ ...machine, totalMemoryBytes: 0.8 * GB, freeDiskBytes: 1 * GB }, catalog)?.reason).toEqual({ kind: 'small' });
  });

  it('offers a Chinese writer the modern Chinese model, the distil one on a small machine, and the others as alternatives', () => {
    const zh = recommendModel(machine, catalog, 'zh')!;
    expect(zh).toMatchObject({ variantId: 'gpt2-chinese-checkpoint', format: 'checkpoint', reason: { kind: 'chinese' } });
    expect(zh.alternatives.slice(0, 5)).toEqual([
      'gpt2-chinese-distil-checkpoint',
      'gpt2-chinese-ancient-checkpoint',
      'gpt2-chinese-poem-checkpoint',
      'gpt2-chinese-couplet-checkpoint',
      'gpt2-chinese-lyric-checkpoint',
    ]);
    // The English picks come after, for a writer who also writes in English.
    expect(zh.alternatives.slice(5)).toEqual(['gpt2-onnx-int8', 'distilgpt2-onnx-int8']);
    // Building the 102M graph holds its fp32 weights twice plus a gigabyte: 1.5 GB of memory is too little for it.
    const small = recommendModel({ ...machine, totalMemoryBytes: 1.5 * GB }, catalog, 'zh')!;
    expect(small).toMatchObject({ variantId: 'gpt2-chinese-distil-checkpoint', reason: { kind: 'chinese-small' } });
    // A GPU does not change the Chinese pick: there is no bigger Chinese model in the catalog.
    expect(recommendModel({ ...machine, hasGpu: true, gpuMemoryBytes: 24 * GB }, catalog, 'zh')?.variantId).toBe('gpt2-chinese-checkpoint');
    // Nothing Chinese fits: the English pick, rather than nothing.
    expect(recommendModel({ ...machine, totalMemoryBytes: 1.1 * GB }, catalog, 'zh')?.variantId).toBe('gpt2-onnx-int8');
  });
});
