/**
 * The model store behind the API session, with the real engine host: the first-run offer, a download from a local
 * hub (HF_ENDPOINT-style endpoint through the catalog) ending with the model loaded and its speed measured, imports
 * from the server's import root (checked by the engine, symlinks out refused), switching models in the same host,
 * and deleting the model in use.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppServices } from '../../../electron/services/app-services.js';
import { resolveImportFolder } from '../../../electron/services/import-root.js';
import type { ApiCall, ModelsState } from '../../../electron/shared/api.js';
import { HUB_VARIANT, type ModelHub } from '../../support/model-hub.js';
import { startHubSession, type HubSession } from './hub-session.js';

let home: string;
let importRoot: string;
let hub: HubSession;
let modelHub: ModelHub;
let services: AppServices;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'kaituhi-models-'));
  importRoot = join(home, 'import');
  await mkdir(importRoot);
  hub = await startHubSession(home, {}, { importRoot });
  ({ modelHub, services } = hub);
});

afterAll(async () => {
  await hub?.close();
  await rm(home, { recursive: true, force: true });
});

const call = (callBody: unknown): Promise<unknown> => hub.call(callBody);
const pushed = (): ModelsState[] => hub.messages.flatMap((m) => (m.type === 'models' ? [m.state] : []));

async function until<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('models through the API session', () => {
  it('starts with nothing installed and offers the CPU pick with its size', async () => {
    const state = (await call({ method: 'getModels' })) as ModelsState;
    expect(state).toMatchObject({ models: [], download: null, importing: null, importBy: 'import-root' });
    expect(services.engine.state.status).toBe('no-model');
    const offer = (await call({ method: 'getModelOffer', language: 'en' })) as Awaited<ReturnType<typeof services.models.offer>>;
    expect(offer.recommended).toMatchObject({
      variantId: HUB_VARIANT,
      downloadBytes: modelHub.totalBytes,
      downloadBytesExact: true,
      precision: 'int8',
    });
    expect(offer.machine.hasGpu).toBe(false);
    expect(offer.machine.freeDiskBytes).toBeGreaterThan(0);
  });

  it('downloads with progress pushes, installs, makes it active, loads it, and measures its speed once', async () => {
    await call({ method: 'downloadModel', variantId: HUB_VARIANT });
    await until(pushed, (states) => states.some((s) => s.download?.stage === 'done'));
    const stages = new Set(pushed().map((s) => s.download?.stage));
    expect(stages).toContain('downloading');
    await until(
      () => services.engine.state,
      (state) => state.status === 'ready',
    );
    const state = await until(
      () => call({ method: 'getModels' }) as Promise<ModelsState>,
      (s) => s.models[0]?.benchmark !== null && s.models[0]?.benchmark !== undefined,
    );
    expect(state.models).toHaveLength(1);
    expect(state.models[0]).toMatchObject({
      id: HUB_VARIANT,
      active: true,
      source: 'download',
      precisions: ['int8'],
      benchmark: { device: 'cpu' },
    });
    expect(state.models[0]!.benchmark!.tokensPerSecond).toBeGreaterThan(0);
    expect(services.engine.state.modelDir).toBe(join(home, 'models', 'models', HUB_VARIANT));
  });

  it('imports a folder under the import root, and switching to it reloads the same engine host', async () => {
    await cp(join(home, 'models', 'models', HUB_VARIANT), join(importRoot, 'my-gpt2'), {
      recursive: true,
      filter: (src) => !src.endsWith('kaituhi-model.json'),
    });
    expect(await call({ method: 'listImportFolders' })).toEqual(['my-gpt2']);
    await call({ method: 'importModel', from: { by: 'import-root', folder: 'my-gpt2' } });
    const state = (await call({ method: 'getModels' })) as ModelsState;
    const imported = state.models.find((m) => m.source === 'import');
    expect(imported).toMatchObject({ name: 'my-gpt2', active: false });
    expect(state.importing).toBeNull();

    const host = services.engine.engine;
    await call({ method: 'setActiveModel', id: imported!.id });
    await until(
      () => services.engine.state,
      (s) => s.status === 'ready' && s.modelDir?.endsWith(imported!.id) === true,
    );
    expect(services.engine.engine).toBe(host);
  });

  it('refuses paths outside the import root, before and after the validators', async () => {
    for (const folder of ['..', '../../etc', 'a/b', '.hidden', '']) {
      await expect(call({ method: 'importModel', from: { by: 'import-root', folder } })).rejects.toThrow(/refused/);
    }
    await expect(call({ method: 'importModel', from: { by: 'import-root', folder: 'nope' } })).rejects.toThrow(/not a model folder/);
    await mkdir(join(home, 'outside'));
    await symlink(join(home, 'outside'), join(importRoot, 'escape'));
    await expect(resolveImportFolder(importRoot, 'escape')).rejects.toThrow(/not a model folder/);
    expect(await call({ method: 'listImportFolders' })).toEqual(['my-gpt2']);
    await expect(call({ method: 'importModel', from: { by: 'dialog' } })).rejects.toThrow(/no folder dialog/);
    await expect(call({ method: 'downloadModel', variantId: '../../../x' })).rejects.toThrow(/refused/);
  });

  it('a folder the engine cannot load is not installed, and the panel says why', async () => {
    const broken = join(importRoot, 'broken');
    await cp(join(importRoot, 'my-gpt2'), broken, { recursive: true });
    // Passes the header check (an ONNX ModelProto starts with field 1), but is no model.
    await writeFile(join(broken, 'onnx', 'model_quantized.onnx'), Buffer.from([0x08, 0x08]));
    const before = ((await call({ method: 'getModels' })) as ModelsState).models.length;
    await expect(call({ method: 'importModel', from: { by: 'import-root', folder: 'broken' } })).rejects.toThrow(/cannot be imported/);
    const state = (await call({ method: 'getModels' })) as ModelsState;
    expect(state.models).toHaveLength(before);
    // The code the panel words in the writer's language; the store's sentence stays as the detail.
    expect(state.importing).toMatchObject({
      stage: 'failed',
      error: { code: 'invalid-model', message: expect.stringMatching(/cannot be imported/) },
    });
    expect(await readdir(join(home, 'models', '.partial'))).toEqual([]);
  });

  it('deleting the model in use unloads it first', async () => {
    const active = ((await call({ method: 'getModels' })) as ModelsState).models.find((m) => m.active)!;
    await call({ method: 'deleteModel', id: active.id } satisfies ApiCall);
    await until(
      () => services.engine.state,
      (s) => s.status === 'no-model',
    );
    const state = (await call({ method: 'getModels' })) as ModelsState;
    expect(state.models.map((m) => m.id)).not.toContain(active.id);
  });
});
