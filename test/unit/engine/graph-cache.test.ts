/**
 * Built graphs live in the app's own cache, keyed by the full SHA-256 of the weights, the graph version and the
 * precision, each with its own SHA-256 recorded and checked. A cache that arrives inside a model folder is never
 * used, and a tampered entry is rebuilt rather than run: model A always answers as model A.
 */
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWith } from '../../../electron/engine/generate.js';
import { KAITUHI_GRAPH_VERSION } from '../../../electron/engine/graph/kaituhi-graph.js';
import { defaultGraphCacheDir, graphCacheKey } from '../../../electron/engine/model/graph-cache.js';
import { loadModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type EngineLoadOptions } from '../../../electron/engine/types.js';
import { testModel, tinyCheckpoint } from '../../support/fixtures.js';

let scratch: string;
let modelA: string;
let modelB: string;
const savedCacheDir = process.env.KAITUHI_CACHE_DIR;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'kaituhi-graph-cache-'));
  // This file's default cache: the app's own folder, here a fresh one.
  process.env.KAITUHI_CACHE_DIR = path.join(scratch, 'app-cache');
  modelA = await tinyCheckpoint();
  modelB = await testModel('tiny-seed2', { seed: 2 });
});
afterAll(async () => {
  if (savedCacheDir === undefined) delete process.env.KAITUHI_CACHE_DIR;
  else process.env.KAITUHI_CACHE_DIR = savedCacheDir;
  await rm(scratch, { recursive: true, force: true });
});

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Greedy token ids for a fixed prompt: the model's fingerprint. */
async function greedyTokens(options: EngineLoadOptions): Promise<number[]> {
  const model = await loadModel({ devices: ['cpu'], ...options });
  const ids: number[] = [];
  try {
    const sampler = { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1 };
    for await (const e of generateWith(model, { context: 'The lighthouse keeper', maxTokens: 12, candidates: 1, sampler }))
      if (e.type === 'token') ids.push(e.tokenId);
  } finally {
    await model.release();
  }
  return ids;
}

/** The folder holding the one built graph (model.onnx) under `root`. */
async function graphDir(root: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const found = entries.filter((e) => e.isFile() && e.name === 'model.onnx').map((e) => e.parentPath);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Builds model B's graph in a cache of its own and returns the folder that holds it. */
async function builtGraphOfB(): Promise<string> {
  const cacheDir = await mkdtemp(path.join(scratch, 'b-cache-'));
  await greedyTokens({ modelDir: modelB, cacheDir });
  return graphDir(cacheDir);
}

async function plant(from: string, to: string): Promise<void> {
  for (const name of ['model.onnx', 'model.onnx_data']) await copyFile(path.join(from, name), path.join(to, name));
}

describe('graph cache', () => {
  let answerOfA: number[];
  let answerOfB: number[];
  beforeAll(async () => {
    answerOfA = await greedyTokens({ modelDir: modelA, cacheDir: await mkdtemp(path.join(scratch, 'fresh-a-')) });
    answerOfB = await greedyTokens({ modelDir: modelB, cacheDir: await mkdtemp(path.join(scratch, 'fresh-b-')) });
    expect(answerOfA).toHaveLength(12);
    expect(answerOfB).not.toEqual(answerOfA);
  });

  it('lives in a per-user cache folder the app owns, never in the model folder', () => {
    expect(defaultGraphCacheDir({ KAITUHI_CACHE_DIR: '/x/cache' }, 'linux')).toBe(path.resolve('/x/cache'));
    expect(defaultGraphCacheDir({ XDG_CACHE_HOME: '/home/w/.cache' }, 'linux')).toBe(path.join('/home/w/.cache', 'kaituhi'));
    expect(defaultGraphCacheDir({ LOCALAPPDATA: 'C:\\Users\\w\\AppData\\Local' }, 'win32')).toContain('Kaituhi');
    expect(defaultGraphCacheDir({}, 'darwin')).toMatch(/Library.Caches.Kaituhi$/);
  });

  it('never uses a .kaituhi-cache that came inside the model folder', async () => {
    const planted = path.join(scratch, 'a-with-cache');
    await cp(modelA, planted, { recursive: true, filter: (src) => !src.includes('.kaituhi-cache') });
    // Model B's graph in the slot that model A's weights would use under the old in-folder layout.
    const slot = path.join(
      planted,
      '.kaituhi-cache',
      `${(await sha256(path.join(modelA, 'model.safetensors'))).slice(0, 16)}-g${KAITUHI_GRAPH_VERSION}-fp32`,
    );
    await cp(await builtGraphOfB(), slot, { recursive: true });
    expect(await greedyTokens({ modelDir: planted })).toEqual(answerOfA);
  });

  it('rebuilds an entry of its own cache whose graph was replaced, instead of running it', async () => {
    const cacheDir = await mkdtemp(path.join(scratch, 'app-'));
    expect(await greedyTokens({ modelDir: modelA, cacheDir })).toEqual(answerOfA);
    const entry = await graphDir(cacheDir);
    const original = await sha256(path.join(entry, 'model.onnx'));
    await plant(await builtGraphOfB(), entry);
    expect(await sha256(path.join(entry, 'model.onnx'))).not.toBe(original);
    expect(await greedyTokens({ modelDir: modelA, cacheDir })).toEqual(answerOfA);
    expect(await sha256(path.join(await graphDir(cacheDir), 'model.onnx'))).toBe(original);
  });

  it('keys an entry by the full SHA-256 of the weights, the graph version and the precision, and records the graph’s own hash', async () => {
    const cacheDir = await mkdtemp(path.join(scratch, 'keys-'));
    await greedyTokens({ modelDir: modelA, cacheDir });
    const entry = await graphDir(cacheDir);
    const record = JSON.parse(await readFile(path.join(entry, 'entry.json'), 'utf8')) as {
      key: { weightsSha256: string; graph: string; precision: string };
      files: Record<string, { sha256: string; size: number }>;
    };
    expect(record.key.weightsSha256).toBe(await sha256(path.join(modelA, 'model.safetensors')));
    expect(record.key.graph).toBe(`kaituhi-${KAITUHI_GRAPH_VERSION}`);
    expect(record.key.precision).toBe('fp32');
    expect(path.basename(entry)).toBe(graphCacheKey(record.key));
    for (const name of ['model.onnx', 'model.onnx_data']) expect(record.files[name]?.sha256).toBe(await sha256(path.join(entry, name)));
    const key = { weightsSha256: record.key.weightsSha256, graph: 'kaituhi-3', precision: 'fp32' };
    const keys = new Set([
      graphCacheKey(key),
      graphCacheKey({ ...key, precision: 'int8' }),
      graphCacheKey({ ...key, graph: 'kaituhi-4' }),
      graphCacheKey({ ...key, weightsSha256: 'f'.repeat(64) }),
      graphCacheKey({ ...key, settings: { n_head: 8 } }),
    ]);
    expect(keys.size).toBe(5);
  });
});
