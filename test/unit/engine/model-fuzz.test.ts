/**
 * Model-folder fuzzing through a real engine host: hundreds of mutated copies of the generated tiny models
 * (config.json fields, safetensors headers, offsets and bytes, ONNX graph and weight bytes, tokenizer files), each
 * loaded into the same host process with reload(). Every folder must end in a clear ModelLoadError naming a file of
 * that folder, or load and generate. A host that dies is not restarted in a loop, and afterwards the host loads and
 * runs a good model. Mutations come from fast-check with a fixed seed, so a failure reproduces.
 */
import { copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHostClient, spawnProcessHost } from '../../../electron/engine/host/engine-host.js';
import { DEFAULT_SAMPLER, type EngineHost, type EngineHostEvent } from '../../../electron/engine/types.js';
import { testModel, tinyCheckpoint } from '../../support/fixtures.js';

const SEED = 20_260_914;

type Base = 'checkpoint' | 'onnx';
type Files = ReadonlyMap<string, Buffer>;

/** One mutation: a readable label for the report, and the files it replaces (all others are the base's, linked). */
interface Mutant {
  readonly label: string;
  readonly base: Base;
  readonly replace: ReadonlyMap<string, Buffer | null>;
}

let scratch: string;
const bases = new Map<Base, { dir: string; files: Files }>();
/** Closed in afterAll too: a run cut short must not leave its host process behind. */
let host: EngineHostClient | null = null;

async function readBase(dir: string, names: readonly string[]): Promise<Files> {
  return new Map(await Promise.all(names.map(async (n): Promise<[string, Buffer]> => [n, await readFile(path.join(dir, n))])));
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'kaituhi-fuzz-'));
  const checkpoint = await tinyCheckpoint();
  const onnx = await testModel('tiny-seed1-optimum-with-past', {
    format: 'onnx',
    onnxFiles: [{ precision: 'fp32', variant: 'with-past' }],
  });
  const common = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt'];
  bases.set('checkpoint', { dir: checkpoint, files: await readBase(checkpoint, [...common, 'model.safetensors']) });
  bases.set('onnx', { dir: onnx, files: await readBase(onnx, [...common, 'onnx/model.onnx', 'onnx/model.onnx_data']) });
});
afterAll(async () => {
  await host?.close();
  await rm(scratch, { recursive: true, force: true });
});

// ---- mutations ----

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const parse = (bytes: Buffer): Record<string, unknown> => JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;

/** Values a hostile or broken config.json might hold. */
const oddValue = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 3, 7, 63, 1e9, 2 ** 31, 2 ** 53, 1e308, -1e308, 0.5, 1e-300, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: -5, max: 70_000 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(null, true, false, '', '64', 'gpt2', 'NaN', [], [64], {}, { a: 1 }),
  fc.string({ maxLength: 12 }),
);
const CONFIG_FIELDS = [
  'n_layer',
  'n_head',
  'n_embd',
  'n_positions',
  'n_ctx',
  'vocab_size',
  'layer_norm_epsilon',
  'eos_token_id',
  'model_type',
  'activation_function',
  'num_hidden_layers',
  'hidden_size',
] as const;

function configMutants(base: Base, files: Files): fc.Arbitrary<Mutant> {
  const config = parse(files.get('config.json')!);
  const setField = fc.record({ field: fc.constantFrom(...CONFIG_FIELDS), value: oddValue }).map(({ field, value }) => ({
    label: `config.json ${field} = ${JSON.stringify(value)}`,
    base,
    replace: new Map([['config.json', json({ ...config, [field]: value })]]),
  }));
  const dropField = fc.constantFrom(...CONFIG_FIELDS).map((field) => {
    const { [field]: _dropped, ...rest } = config;
    return { label: `config.json without ${field}`, base, replace: new Map([['config.json', json(rest)]]) };
  });
  const text = fc
    .oneof(
      fc.constantFrom('', '[]', 'null', '"gpt2"', '{', '{"n_layer": 2,', '{"a":'.repeat(5000), '[1,2]', '{}'),
      fc.string({ maxLength: 40 }),
      fc.nat({ max: 300 }).map((cut) => files.get('config.json')!.subarray(0, cut).toString('utf8')),
    )
    .map((t) => ({
      label: `config.json is ${JSON.stringify(t.slice(0, 30))}${t.length > 30 ? '…' : ''}`,
      base,
      replace: new Map([['config.json', Buffer.from(t)]]),
    }));
  return fc.oneof({ arbitrary: setField, weight: 6 }, { arbitrary: dropField, weight: 1 }, { arbitrary: text, weight: 2 });
}

interface HeaderTensor {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

/** model.safetensors with its header rewritten by `edit` (the data bytes kept as they are). */
function withHeader(bytes: Buffer, edit: (header: Record<string, HeaderTensor>) => void): Buffer {
  const len = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8')) as Record<string, HeaderTensor>;
  edit(header);
  const text = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([prefix, text, bytes.subarray(8 + len)]);
}

/** Up to `maxFlips` bytes of [from, to) of `bytes` overwritten, with a label listing them. */
function byteFlips(bytes: Buffer, from: number, to: number, maxFlips: number): fc.Arbitrary<{ bytes: Buffer; what: string }> {
  return fc
    .array(fc.record({ at: fc.integer({ min: from, max: to - 1 }), byte: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: maxFlips })
    .map((flips) => {
      const out = Buffer.from(bytes);
      for (const { at, byte } of flips) out[at] = byte;
      return { bytes: out, what: flips.map((f) => `${f.at}=${f.byte}`).join(',') };
    });
}

function checkpointMutants(files: Files): fc.Arbitrary<Mutant> {
  const weights = files.get('model.safetensors')!;
  const headerLength = Number(weights.readBigUInt64LE(0));
  const names = Object.keys(JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8')) as object).filter(
    (n) => n !== '__metadata__',
  );
  const mutant = (label: string, bytes: Buffer | null): Mutant => ({
    label,
    base: 'checkpoint',
    replace: new Map([['model.safetensors', bytes]]),
  });
  const field = fc.record({
    tensor: fc.constantFrom(...names),
    key: fc.constantFrom('dtype', 'shape', 'data_offsets'),
    value: fc.oneof(
      oddValue,
      fc.constantFrom('F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3'),
      fc.array(fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.constantFrom(1e15, 2 ** 53, 0.5)), { maxLength: 4 }),
    ),
  });
  const editField = field.map(({ tensor, key, value }) =>
    mutant(
      `${tensor}.${key} = ${JSON.stringify(value)}`,
      withHeader(weights, (h) => void (h[tensor]![key] = value)),
    ),
  );
  const shiftOffsets = fc.record({ tensor: fc.constantFrom(...names), by: fc.integer({ min: -4096, max: 4096 }) }).map(({ tensor, by }) =>
    mutant(
      `${tensor} data_offsets shifted by ${by}`,
      withHeader(weights, (h) => {
        const [a, b] = h[tensor]!.data_offsets as [number, number];
        h[tensor]!.data_offsets = [a + by, b + by];
      }),
    ),
  );
  const dropTensor = fc.constantFrom(...names).map((tensor) =>
    mutant(
      `without ${tensor}`,
      withHeader(weights, (h) => void delete h[tensor]),
    ),
  );
  const renameTensor = fc
    .record({
      tensor: fc.constantFrom(...names),
      to: fc.constantFrom('transformer.h.9.ln_1.weight', 'h.0.ln_1.weight', 'lm_head.weight', ''),
    })
    .map(({ tensor, to }) =>
      mutant(
        `${tensor} renamed ${to}`,
        withHeader(weights, (h) => {
          h[to] = h[tensor]!;
          delete h[tensor];
        }),
      ),
    );
  const metadata = oddValue.map((value) =>
    mutant(
      `__metadata__ = ${JSON.stringify(value)}`,
      withHeader(weights, (h) => void (h.__metadata__ = value as HeaderTensor)),
    ),
  );
  const lengthField = fc
    .oneof(
      fc.constantFrom(
        0n,
        1n,
        2n,
        7n,
        BigInt(headerLength - 1),
        BigInt(headerLength + 1),
        BigInt(weights.length),
        2n ** 63n,
        2n ** 64n - 1n,
      ),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    )
    .map((value) => {
      const bytes = Buffer.from(weights);
      bytes.writeBigUInt64LE(value);
      return mutant(`header length field = ${value}`, bytes);
    });
  const headerBytes = byteFlips(weights, 8, 8 + headerLength, 4).map(({ bytes, what }) => mutant(`header bytes ${what}`, bytes));
  const dataBytes = byteFlips(weights, 8 + headerLength, weights.length, 8).map(({ bytes, what }) => mutant(`data bytes ${what}`, bytes));
  const truncate = fc
    .oneof(fc.nat({ max: 16 }), fc.nat({ max: weights.length - 1 }))
    .map((at) => mutant(`truncated at ${at}`, weights.subarray(0, at)));
  const gone = fc.constant(mutant('model.safetensors missing', null));
  return fc.oneof(
    { arbitrary: editField, weight: 5 },
    { arbitrary: shiftOffsets, weight: 2 },
    { arbitrary: dropTensor, weight: 1 },
    { arbitrary: renameTensor, weight: 1 },
    { arbitrary: metadata, weight: 1 },
    { arbitrary: lengthField, weight: 2 },
    { arbitrary: headerBytes, weight: 2 },
    { arbitrary: dataBytes, weight: 1 },
    { arbitrary: truncate, weight: 2 },
    { arbitrary: gone, weight: 1 },
  );
}

function onnxMutants(files: Files): fc.Arbitrary<Mutant> {
  const graph = files.get('onnx/model.onnx')!;
  const data = files.get('onnx/model.onnx_data')!;
  const mutant = (label: string, file: string, bytes: Buffer | null): Mutant => ({
    label,
    base: 'onnx',
    replace: new Map([[file, bytes]]),
  });
  const graphBytes = byteFlips(graph, 0, graph.length, 6).map(({ bytes, what }) =>
    mutant(`model.onnx bytes ${what}`, 'onnx/model.onnx', bytes),
  );
  const graphHead = byteFlips(graph, 0, 64, 6).map(({ bytes, what }) => mutant(`model.onnx first bytes ${what}`, 'onnx/model.onnx', bytes));
  const graphCut = fc
    .nat({ max: graph.length - 1 })
    .map((at) => mutant(`model.onnx truncated at ${at}`, 'onnx/model.onnx', graph.subarray(0, at)));
  const graphSplice = fc
    .record({ at: fc.nat({ max: graph.length - 1 }), insert: fc.uint8Array({ minLength: 1, maxLength: 16 }) })
    .map(({ at, insert }) =>
      mutant(
        `model.onnx with ${insert.length} bytes inserted at ${at}`,
        'onnx/model.onnx',
        Buffer.concat([graph.subarray(0, at), Buffer.from(insert), graph.subarray(at)]),
      ),
    );
  const dataBytes = byteFlips(data, 0, data.length, 6).map(({ bytes, what }) =>
    mutant(`model.onnx_data bytes ${what}`, 'onnx/model.onnx_data', bytes),
  );
  const dataCut = fc
    .nat({ max: data.length - 1 })
    .map((at) => mutant(`model.onnx_data truncated at ${at}`, 'onnx/model.onnx_data', data.subarray(0, at)));
  const dataGone = fc.constant(mutant('model.onnx_data missing', 'onnx/model.onnx_data', null));
  return fc.oneof(
    { arbitrary: graphBytes, weight: 5 },
    { arbitrary: graphHead, weight: 2 },
    { arbitrary: graphCut, weight: 2 },
    { arbitrary: graphSplice, weight: 2 },
    { arbitrary: dataBytes, weight: 1 },
    { arbitrary: dataCut, weight: 1 },
    { arbitrary: dataGone, weight: 1 },
  );
}

function tokenizerMutants(base: Base, files: Files): fc.Arbitrary<Mutant> {
  const tokenizer = parse(files.get('tokenizer.json')!);
  const model = tokenizer.model as Record<string, unknown>;
  const mutant = (label: string, file: string, bytes: Buffer | null): Mutant => ({ label, base, replace: new Map([[file, bytes]]) });
  const modelField = fc
    .record({ key: fc.constantFrom('type', 'vocab', 'merges', 'unk_token', 'continuing_subword_prefix'), value: oddValue })
    .map(({ key, value }) =>
      mutant(
        `tokenizer.json model.${key} = ${JSON.stringify(value)}`,
        'tokenizer.json',
        json({ ...tokenizer, model: { ...model, [key]: value } }),
      ),
    );
  const topField = fc
    .record({ key: fc.constantFrom('model', 'pre_tokenizer', 'decoder', 'added_tokens', 'normalizer', 'post_processor'), value: oddValue })
    .map(({ key, value }) =>
      mutant(`tokenizer.json ${key} = ${JSON.stringify(value)}`, 'tokenizer.json', json({ ...tokenizer, [key]: value })),
    );
  const addedToken = fc.oneof(fc.integer({ min: -3, max: 60_000 }), fc.constantFrom(2 ** 31 - 1, 1e9, 2 ** 53)).map((id) =>
    mutant(
      `tokenizer.json adds a token with id ${id}`,
      'tokenizer.json',
      json({
        ...tokenizer,
        added_tokens: [
          ...(tokenizer.added_tokens as unknown[]),
          { id, content: '<|x|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false },
        ],
      }),
    ),
  );
  const vocabEntries = fc
    .array(fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), oddValue), { minLength: 1, maxLength: 4 })
    .map((entries) =>
      mutant(
        `tokenizer.json vocab gets ${JSON.stringify(entries)}`,
        'tokenizer.json',
        json({ ...tokenizer, model: { ...model, vocab: { ...(model.vocab as object), ...Object.fromEntries(entries) } } }),
      ),
    );
  const truncated = fc
    .nat({ max: files.get('tokenizer.json')!.length - 1 })
    .map((at) => mutant(`tokenizer.json truncated at ${at}`, 'tokenizer.json', files.get('tokenizer.json')!.subarray(0, at)));
  // Without tokenizer.json the loader converts vocab.json + merges.txt: mutate those instead.
  const noTokenizerJson = (label: string, file: string, bytes: Buffer | null): Mutant => ({
    label: `no tokenizer.json; ${label}`,
    base,
    replace: new Map([
      ['tokenizer.json', null],
      [file, bytes],
    ]),
  });
  const vocabJson = fc
    .oneof(
      fc.constantFrom('', '[]', '{}', '{"a": -1}', '{"a": 1.5}', '{"a": "b"}'),
      fc.nat({ max: files.get('vocab.json')!.length - 1 }).map((at) => files.get('vocab.json')!.subarray(0, at).toString('utf8')),
    )
    .map((text) => noTokenizerJson(`vocab.json is ${JSON.stringify(text.slice(0, 20))}…`, 'vocab.json', Buffer.from(text)));
  const mergesTxt = fc
    .oneof(
      fc.constantFrom('', '#version: 0.2\n', 'a b c\n', 'Ġ t\nno_such_token x\n'),
      fc.nat({ max: files.get('merges.txt')!.length - 1 }).map((at) => files.get('merges.txt')!.subarray(0, at).toString('utf8')),
    )
    .map((text) => noTokenizerJson(`merges.txt is ${JSON.stringify(text.slice(0, 20))}…`, 'merges.txt', Buffer.from(text)));
  const tokenizerConfig = oddValue.map((value) =>
    mutant(`tokenizer_config.json eos_token = ${JSON.stringify(value)}`, 'tokenizer_config.json', json({ eos_token: value })),
  );
  return fc.oneof(
    { arbitrary: modelField, weight: 3 },
    { arbitrary: topField, weight: 3 },
    { arbitrary: addedToken, weight: 2 },
    { arbitrary: vocabEntries, weight: 2 },
    { arbitrary: truncated, weight: 1 },
    { arbitrary: vocabJson, weight: 2 },
    { arbitrary: mergesTxt, weight: 2 },
    { arbitrary: tokenizerConfig, weight: 1 },
  );
}

/**
 * A folder holding the base's files with the mutant's replacements written (null: the file is left out). The others
 * are symbolic links (the engine's caches see the same files), except beside a rewritten ONNX graph: onnxruntime
 * refuses external data that resolves outside the graph's folder, so there they are hard links (or copies).
 */
async function materialize(m: Mutant, index: number): Promise<string> {
  const base = bases.get(m.base)!;
  const dir = path.join(scratch, `m${index}`);
  const graphRewritten = [...m.replace.keys()].some((name) => name.startsWith('onnx/'));
  for (const name of base.files.keys()) {
    const source = path.join(base.dir, name);
    const dest = path.join(dir, name);
    await mkdir(path.dirname(dest), { recursive: true });
    const replacement = m.replace.get(name);
    if (replacement === null) continue;
    if (replacement !== undefined) await writeFile(dest, replacement);
    else if (graphRewritten && name.startsWith('onnx/')) await link(source, dest).catch(() => copyFile(source, dest));
    else await symlink(source, dest);
  }
  return dir;
}

// ---- the run ----

type Outcome = { kind: 'generated'; text: string } | { kind: 'refused'; error: Error } | { kind: 'other'; error: Error };

/** Far above any load of these tiny folders: a folder that takes longer makes the host hang, which is a failure. */
const ATTEMPT_LIMIT_MS = 30_000;

async function generate(host: EngineHost): Promise<string> {
  let text = '';
  const sampler = { ...DEFAULT_SAMPLER, greedy: true };
  for await (const e of host.generate({ context: 'The ship', maxTokens: 2, candidates: 1, sampler }))
    if (e.type === 'token') text += e.text;
  return text;
}

/** `attempt`, but a host that does not answer in time is killed and the folder reported. */
async function boundedAttempt(host: EngineHost, dir: string, cacheDir: string): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      host.kill();
      resolve({ kind: 'other', error: new Error(`no answer within ${ATTEMPT_LIMIT_MS / 1000} s`) });
    }, ATTEMPT_LIMIT_MS);
  });
  try {
    return await Promise.race([attempt(host, dir, cacheDir), hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function attempt(host: EngineHost, dir: string, cacheDir: string): Promise<Outcome> {
  try {
    await host.reload({ modelDir: dir, devices: ['cpu'], cacheDir, threads: 1 });
  } catch (error) {
    const e = error as Error;
    return e.name === 'ModelLoadError' ? { kind: 'refused', error: e } : { kind: 'other', error: e };
  }
  try {
    return { kind: 'generated', text: await generate(host) };
  } catch (error) {
    return { kind: 'other', error: error as Error };
  }
}

describe('model-folder fuzzing through a real engine host', () => {
  it('refuses every broken folder with a ModelLoadError naming its file, never loops, and still runs a good model', async () => {
    const checkpointFiles = bases.get('checkpoint')!.files;
    const onnxFiles = bases.get('onnx')!.files;
    const plan: [string, fc.Arbitrary<Mutant>, number][] = [
      ['config.json (checkpoint)', configMutants('checkpoint', checkpointFiles), 70],
      ['config.json (ONNX export)', configMutants('onnx', onnxFiles), 30],
      ['model.safetensors', checkpointMutants(checkpointFiles), 110],
      ['ONNX graph and weights', onnxMutants(onnxFiles), 70],
      ['tokenizer files', tokenizerMutants('checkpoint', checkpointFiles), 40],
    ];
    let spawned = 0;
    const client = new EngineHostClient({ modelDir: bases.get('checkpoint')!.dir, devices: ['cpu'], threads: 1 }, () => {
      spawned += 1;
      return spawnProcessHost();
    });
    host = client;
    const events: EngineHostEvent[] = [];
    client.onEvent((e) => events.push(e));
    const cacheDir = path.join(scratch, 'graph-cache');
    const counts = new Map<string, Record<Outcome['kind'], number>>();
    const problems: string[] = [];
    let index = 0;
    try {
      await client.start();
      for (const [category, arbitrary, runs] of plan) {
        const tally = { generated: 0, refused: 0, other: 0 };
        counts.set(category, tally);
        for (const m of fc.sample(arbitrary, { seed: SEED + index, numRuns: runs })) {
          const dir = await materialize(m, index++);
          const outcome = await boundedAttempt(client, dir, cacheDir);
          tally[outcome.kind] += 1;
          if (outcome.kind === 'refused') {
            // Clear: the message names a file of this folder, says what is wrong, and is one readable sentence.
            const message = outcome.error.message;
            if (!message.startsWith(dir) || /undefined|\[object Object\]/.test(message) || message.length > 600)
              problems.push(`${category} / ${m.label}: unclear error: ${message.slice(0, 300)}`);
          } else if (outcome.kind === 'other')
            problems.push(`${category} / ${m.label}: ${outcome.error.name}: ${outcome.error.message.slice(0, 300)}`);
          else if (outcome.text.length === 0) problems.push(`${category} / ${m.label}: loaded but generated nothing`);
          await rm(dir, { recursive: true, force: true });
        }
      }
      // The host is alive and serves a good model as if nothing had happened.
      await client.reload({ modelDir: bases.get('checkpoint')!.dir, devices: ['cpu'], cacheDir, threads: 1 });
      expect((await generate(client)).length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    const total = [...counts.values()].reduce((sum, t) => sum + t.generated + t.refused + t.other, 0);
    console.log(
      `model-folder fuzz: ${total} folders, ${spawned} host process(es), ${events.length} host event(s)\n` +
        [...counts]
          .map(([c, t]) => `  ${c}: ${t.refused} refused with a ModelLoadError, ${t.generated} loaded and generated, ${t.other} other`)
          .join('\n'),
    );
    expect(total).toBeGreaterThanOrEqual(300);
    expect(problems).toEqual([]);
    // One host process for the whole run: nothing killed it, so nothing restarted it.
    expect(spawned).toBe(1);
    expect(events).toEqual([]);
  }, 180_000);
});
