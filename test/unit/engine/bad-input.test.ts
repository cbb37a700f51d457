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
import { tinyCheckpoint } from '../../support/fixtures.js';

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
    expect(layers.message).toMatch(/transformer\.h\.2\..* is missing/);
    const width = await loadError(
      await variant('config-width', async (d) => {
        const file = path.join(d, 'config.json');
        const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        await writeFile(file, JSON.stringify({ ...config, n_embd: 128 }));
      }),
    );
    expect(width.message).toMatch(/has shape \[50257, 64\], expected \[50257, 128\]/);
    const notGpt2 = await loadError(
      await variant('config-llama', async (d) => {
        await writeFile(path.join(d, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 64 }));
      }),
    );
    expect(notGpt2.message).toMatch(/GPT-2 models only/);
  });

  it('a vocabulary size mismatch between tokenizer and config', async () => {
    const e = await loadError(
      await variant('vocab', async (d) => {
        const file = path.join(d, 'config.json');
        const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        await writeFile(file, JSON.stringify({ ...config, vocab_size: 1000 }));
      }),
    );
    expect(e.message).toMatch(/vocabulary size mismatch/);
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
    expect(garbage.message).toMatch(/onnxruntime cannot load it/);
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
