/** Bad model folders end in a ModelLoadError that names the file and the problem; nothing crashes. */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../electron/engine/errors.js';
import { startEngineHost } from '../../../electron/engine/host/engine-host.js';
import { loadModel } from '../../../electron/engine/model/load-model.js';
import { GraphBuilder } from '../../../electron/engine/onnx/graph-builder.js';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';
import { testModel, tinyCheckpoint } from '../../support/fixtures.js';

let good: string;
let scratch: string;

beforeAll(async () => {
  good = await tinyCheckpoint();
  scratch = await import('node:fs/promises').then((fs) => fs.mkdtemp(path.join(os.tmpdir(), 'kaituhi-bad-')));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the good model with one change applied. */
async function variant(name: string, change: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(good, dir, { recursive: true, filter: (src) => !src.includes('.kaituhi-cache') });
  await change(dir);
  return dir;
}

async function loadError(dir: string): Promise<ModelLoadError> {
  const error = await loadModel({ modelDir: dir, devices: ['cpu'], cacheDir: path.join(dir, '.cache') }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

async function rewriteSafetensorsHeader(
  file: string,
  edit: (header: Record<string, { data_offsets: number[]; shape: number[] }>) => void,
): Promise<void> {
  const bytes = await readFile(file);
  const len = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8')) as Record<string, { data_offsets: number[]; shape: number[] }>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header).padEnd(len, ' '));
  expect(json.length).toBe(len);
  json.copy(bytes, 8);
  await writeFile(file, bytes);
}

describe('bad model input', () => {
  it('a missing folder', async () => {
    const e = await loadError(path.join(scratch, 'nowhere'));
    expect(e.message).toMatch(/nowhere: folder not found/);
  });

  it('a missing config.json', async () => {
    const e = await loadError(await variant('no-config', (d) => rm(path.join(d, 'config.json'))));
    expect(e.file).toMatch(/config\.json$/);
    expect(e.problem).toBe('missing');
  });

  it('no weights at all', async () => {
    const e = await loadError(await variant('no-weights', (d) => rm(path.join(d, 'model.safetensors'))));
    expect(e.problem).toMatch(/no model weights found/);
  });

  it('a truncated safetensors file', async () => {
    const dir = await variant('truncated', async (d) => {
      const file = path.join(d, 'model.safetensors');
      const bytes = await readFile(file);
      await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    });
    const e = await loadError(dir);
    expect(e.file).toMatch(/model\.safetensors$/);
    expect(e.message).toMatch(/truncated/);
  });

  it('a file too short for a header, and a header that is not JSON', async () => {
    const tiny = await loadError(await variant('stub', (d) => writeFile(path.join(d, 'model.safetensors'), 'abc')));
    expect(tiny.message).toMatch(/too short/);
    const garbled = await loadError(
      await variant('garbled', async (d) => {
        const file = path.join(d, 'model.safetensors');
        const bytes = await readFile(file);
        bytes.write('}}}}', 8);
        await writeFile(file, bytes);
      }),
    );
    expect(garbled.message).toMatch(/not valid JSON/);
  });

  it('a header that lies about offsets', async () => {
    const size = await loadError(
      await variant('lying-size', (d) =>
        rewriteSafetensorsHeader(path.join(d, 'model.safetensors'), (h) => {
          h['transformer.wte.weight']!.data_offsets[1]! -= 4;
        }),
      ),
    );
    expect(size.message).toMatch(/transformer\.wte\.weight: offsets .* hold .* bytes but shape/);
    const overlap = await loadError(
      await variant('lying-overlap', (d) =>
        rewriteSafetensorsHeader(path.join(d, 'model.safetensors'), (h) => {
          const ln = h['transformer.ln_f.bias']!;
          const width = ln.data_offsets[1]! - ln.data_offsets[0]!;
          ln.data_offsets = [0, width];
        }),
      ),
    );
    expect(overlap.message).toMatch(/overlap/);
  });

  it('a config that does not match the tensors', async () => {
    const layers = await loadError(
      await variant('config-layers', async (d) => {
        const file = path.join(d, 'config.json');
        const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        await writeFile(file, JSON.stringify({ ...config, n_layer: 3 }));
      }),
    );
    expect(layers.message).toMatch(/"n_layer" is 3, but model\.safetensors holds 2 layers/);
    const width = await loadError(
      await variant('config-width', async (d) => {
        const file = path.join(d, 'config.json');
        const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        await writeFile(file, JSON.stringify({ ...config, n_embd: 128 }));
      }),
    );
    expect(width.message).toMatch(/"n_embd" is 128, but model\.safetensors holds width 64/);
    const notGpt2 = await loadError(
      await variant('config-llama', async (d) => {
        await writeFile(path.join(d, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 64 }));
      }),
    );
    expect(notGpt2.message).toMatch(/GPT-2 models only/);
  });

  it('a tokenizer with more tokens than the model has embeddings', async () => {
    const e = await loadError(
      await variant('vocab', async (d) => {
        const file = path.join(d, 'tokenizer.json');
        const tok = JSON.parse(await readFile(file, 'utf8')) as { added_tokens: unknown[] };
        tok.added_tokens.push({
          id: 50257,
          content: '<|extra|>',
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        });
        await writeFile(file, JSON.stringify(tok));
      }),
    );
    expect(e.message).toMatch(/vocabulary size mismatch: the tokenizer has 50258 tokens but config.json says vocab_size 50257/);
  });

  it('a tokenizer of an unknown kind', async () => {
    const e = await loadError(
      await variant('unigram', async (d) => {
        const file = path.join(d, 'tokenizer.json');
        const tok = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        await writeFile(file, JSON.stringify({ ...tok, model: { type: 'Unigram', vocab: [['a', 0]] } }));
      }),
    );
    expect(e.file).toMatch(/tokenizer\.json$/);
  });

  it('an ONNX file that is not a GPT-2 decoder, and one that is not ONNX', async () => {
    const identity = new GraphBuilder('identity');
    identity.input('input_ids', 'int64', ['b', 's']);
    identity.node('Identity', ['input_ids'], { outputs: ['out'] });
    identity.output('out', 'int64', ['b', 's']);
    const notDecoder = await loadError(
      await variant('onnx-identity', async (d) => {
        await rm(path.join(d, 'model.safetensors'));
        await mkdir(path.join(d, 'onnx'));
        await writeFile(path.join(d, 'onnx', 'model.onnx'), identity.toBytes());
      }),
    );
    expect(notDecoder.file).toMatch(/onnx\/model\.onnx$/);
    expect(notDecoder.message).toMatch(/not a GPT-2 decoder/);
    const garbage = await loadError(
      await variant('onnx-garbage', async (d) => {
        await rm(path.join(d, 'model.safetensors'));
        await mkdir(path.join(d, 'onnx'));
        await writeFile(path.join(d, 'onnx', 'model.onnx'), Buffer.from('this is not a protobuf at all'));
      }),
    );
    expect(garbage.file).toMatch(/onnx\/model\.onnx$/);
    expect(garbage.message).toMatch(/corrupt, truncated, or not an ONNX model/);
  });

  it('the engine host survives a failed load and then serves a good model', async () => {
    const host = await startEngineHost({ modelDir: path.join(scratch, 'nowhere') }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((host as Error).name).toBe('ModelLoadError');
    const { EngineHostClient } = await import('../../../electron/engine/host/engine-host.js');
    const client = new EngineHostClient({ modelDir: path.join(scratch, 'nowhere') });
    const events: string[] = [];
    client.onEvent((e) => events.push(e.type));
    await expect(client.start()).rejects.toThrow(/folder not found/);
    const info = await client.reload({ modelDir: good, devices: ['cpu'] });
    expect(info.layers).toBe(2);
    let text = '';
    for await (const e of client.generate({
      context: 'Once upon a time',
      maxTokens: 4,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, greedy: true },
    })) {
      if (e.type === 'token') text += e.text;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(events).toEqual([]);
    await client.close();
  });
});

/** A copy of `base` whose config.json has `patch` applied. */
async function withConfig(base: string, name: string, patch: Record<string, unknown>): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(base, dir, { recursive: true, filter: (src) => !src.includes('.kaituhi-cache') });
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...config, ...patch }));
  return dir;
}

describe('config.json is bounded and checked against the weights before anything is sized from it', () => {
  let onnxExport: string;
  beforeAll(async () => {
    onnxExport = await testModel('tiny-seed1-optimum-with-past', {
      format: 'onnx',
      onnxFiles: [{ precision: 'fp32', variant: 'with-past' }],
    });
  });

  it.each([
    ['n_layer', 1e9],
    ['n_head', 2 ** 40],
    ['n_embd', 2 ** 31],
    ['n_positions', 1e9],
    ['vocab_size', 1e12],
  ])('a checkpoint whose %s is %d is refused, naming the field', async (field, value) => {
    const e = await loadError(await withConfig(good, `huge-${field}`, { [field]: value }));
    expect(e.file).toMatch(/config\.json$/);
    expect(e.problem).toContain(`"${field}" is ${value}`);
    expect(e.problem).toMatch(/at most \d+/);
  });

  it('an ONNX export whose config says a billion layers is refused, naming n_layer', async () => {
    const e = await loadError(await withConfig(onnxExport, 'onnx-huge-layers', { n_layer: 1e9 }));
    expect(e.file).toMatch(/config\.json$/);
    expect(e.problem).toContain('"n_layer" is 1000000000');
  });

  it('a checkpoint whose config disagrees with the tensors names the field and what the weights hold', async () => {
    const layers = await loadError(await withConfig(good, 'ckpt-layers', { n_layer: 3 }));
    expect(layers.message).toMatch(/"n_layer" is 3, but .*model\.safetensors holds 2 layers/);
    const positions = await loadError(await withConfig(good, 'ckpt-positions', { n_positions: 2048, n_ctx: 2048 }));
    expect(positions.message).toMatch(/"n_positions" is 2048, but .*model\.safetensors holds 1024 positions/);
    const vocab = await loadError(await withConfig(good, 'ckpt-vocab', { vocab_size: 60000 }));
    expect(vocab.message).toMatch(/"vocab_size" is 60000, but .*model\.safetensors holds 50257 tokens/);
  });

  it('an ONNX export whose config disagrees with its graph is refused before onnxruntime opens it', async () => {
    const layers = await loadError(await withConfig(onnxExport, 'onnx-layers', { n_layer: 3 }));
    expect(layers.message).toMatch(/"n_layer" is 3, but .*model\.onnx has 2 layers/);
    const heads = await loadError(await withConfig(onnxExport, 'onnx-heads', { n_head: 8 }));
    expect(heads.message).toMatch(/"n_head" is 8, but .*model\.onnx has 4 heads/);
    const vocab = await loadError(await withConfig(onnxExport, 'onnx-vocab', { vocab_size: 60000 }));
    expect(vocab.message).toMatch(/"vocab_size" is 60000, but .*model\.onnx has 50257 tokens/);
    // A graph onnxruntime cannot even open still gets the config comparison first: it ran before any session.
    const broken = await withConfig(onnxExport, 'onnx-layers-broken', { n_layer: 3 });
    const file = path.join(broken, 'onnx', 'model.onnx');
    const bytes = await readFile(file);
    const opType = bytes.indexOf('MatMul');
    expect(opType).toBeGreaterThan(0);
    bytes.write('NoSuch', opType);
    await writeFile(file, bytes);
    expect((await loadError(broken)).message).toMatch(/"n_layer" is 3/);
  });
});
