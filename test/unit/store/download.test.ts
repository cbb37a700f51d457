import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCatalog, type Catalog } from '../../../electron/store/catalog.js';
import type { DownloadEvent } from '../../../electron/store/download-job.js';
import { StoreError } from '../../../electron/store/errors.js';
import { hubEndpoint, mayReceiveHubToken, resolveUrl } from '../../../electron/store/hub.js';
import { ModelStore, type ModelStoreOptions } from '../../../electron/store/model-store.js';
import type { DownloadProgress } from '../../../electron/store/progress.js';
import { randomContent, TestHub, type Cue, type HubFile } from '../../support/test-hub.js';

const WEIGHTS = 'onnx/model_quantized.onnx';

interface Setup {
  hub: TestHub;
  root: string;
  catalog: Catalog;
  weights: HubFile;
  open(extra?: Partial<ModelStoreOptions>): Promise<ModelStore>;
}

let cleanup: (() => Promise<void>)[] = [];

beforeEach(() => {
  cleanup = [];
});
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** A hub serving one small model (`test/tiny`) and a store folder of its own; the catalog leaves hashes to the hub. */
async function setup(options: { size?: number; cue?: Cue; catalogSha?: string; optionalMissing?: boolean } = {}): Promise<Setup> {
  const hub = new TestHub();
  await hub.start();
  const root = await mkdtemp(path.join(tmpdir(), 'kaituhi-store-'));
  const stores: ModelStore[] = [];
  cleanup.push(async () => {
    for (const s of stores) await s.close();
    await hub.close();
    await rm(root, { recursive: true, force: true });
  });
  const repo = 'test/tiny';
  hub.add(repo, 'config.json', Buffer.from(JSON.stringify({ model_type: 'gpt2', n_layer: 2 })), false);
  hub.add(repo, 'tokenizer.json', Buffer.from('{"model":{}}'), false);
  const weights = hub.add(repo, WEIGHTS, randomContent(options.size ?? 256 * 1024), true, options.cue ?? {});
  const hubFile = (p: string, role: string, extra: object = {}): object => ({
    path: p,
    role,
    size: null,
    estimatedSize: 1000,
    sha256: null,
    verify: 'hub-etag',
    source: 'test',
    ...extra,
  });
  const catalog = parseCatalog({
    schemaVersion: 1,
    models: [
      {
        id: 'tiny',
        name: 'Tiny',
        parameters: 1000,
        language: 'en',
        tokenizer: 'byte-level-bpe',
        license: 'mit',
        variants: [
          {
            id: 'tiny-onnx-int8',
            repo,
            revision: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
            revisionSource: 'test',
            format: 'onnx',
            precision: 'int8',
            files: [
              hubFile('config.json', 'config'),
              hubFile('tokenizer.json', 'tokenizer'),
              ...(options.optionalMissing ? [hubFile('generation_config.json', 'generation-config', { optional: true })] : []),
              options.catalogSha
                ? {
                    path: WEIGHTS,
                    role: 'weights',
                    size: weights.content.length,
                    sha256: options.catalogSha,
                    verify: 'sha256',
                    source: 'test',
                  }
                : hubFile(WEIGHTS, 'weights', { verify: 'hub-x-linked-etag', estimatedSize: 300_000 }),
            ],
          },
        ],
      },
    ],
  });
  const open = async (extra: Partial<ModelStoreOptions> = {}): Promise<ModelStore> => {
    const store = await ModelStore.open({
      root,
      catalog,
      endpoint: hub.endpoint,
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
      stallTimeoutMs: 5000,
      progressIntervalMs: 100,
      ...extra,
    });
    stores.push(store);
    return store;
  };
  return { hub, root, catalog, weights, open };
}

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<StoreError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
  return err as StoreError;
}

async function installedBytes(root: string): Promise<Buffer> {
  return readFile(path.join(root, 'models', 'tiny-onnx-int8', ...WEIGHTS.split('/')));
}

async function nothingInstalled(store: ModelStore, root: string): Promise<void> {
  expect(await store.list()).toEqual([]);
  expect(await readdir(path.join(root, 'models'))).toEqual([]);
}

function waitFor(store: ModelStore, predicate: (p: DownloadProgress) => boolean): Promise<DownloadProgress> {
  return new Promise((resolve) => {
    const off = store.onEvent((e) => {
      if (e.type === 'progress' && predicate(e.progress)) {
        off();
        resolve(e.progress);
      }
    });
  });
}

describe('model store downloads', () => {
  it('downloads, verifies and installs a model with progress for the whole model', async () => {
    const s = await setup();
    const store = await s.open();
    const events: DownloadEvent[] = [];
    store.onEvent((e) => events.push(e));
    const model = await store.download('tiny-onnx-int8').done;
    expect(model).toMatchObject({ id: 'tiny-onnx-int8', format: 'onnx', precisions: ['int8'], active: false, benchmark: null });
    const total = s.weights.content.length + 12 + JSON.stringify({ model_type: 'gpt2', n_layer: 2 }).length;
    expect(model.sizeBytes).toBe(total);
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
    expect(await store.list()).toHaveLength(1);
    expect(await readdir(path.join(s.root, '.partial'))).toEqual([]);
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['resolving', 'downloading', 'verifying', 'installing']));
    expect(progress.filter((p) => p.phase !== 'resolving').every((p) => p.total === total)).toBe(true);
    expect(progress.at(-1)?.bytes).toBe(total);
    expect(events.at(-1)).toEqual({ type: 'done', variantId: 'tiny-onnx-int8', modelId: 'tiny-onnx-int8' });
  });

  it('resumes with Range after the connection drops mid-file', async () => {
    const s = await setup({ cue: { drop: { afterBytes: 100 * 1024, times: 1 } } });
    const store = await s.open();
    await store.download('tiny-onnx-int8').done;
    const gets = s.hub.gets(s.weights);
    expect(gets).toHaveLength(2);
    expect(gets[0]!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(100 * 1024);
    expect(gets[1]!.status).toBe(206);
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
  });

  it('resumes after a restart of the whole store, from the bytes left on disk', async () => {
    const s = await setup({ size: 128 * 1024, cue: { bytesPerSecond: 128 * 1024 } });
    const first = await s.open();
    const handle = first.download('tiny-onnx-int8');
    await waitFor(first, (p) => p.phase === 'downloading' && p.bytes > 40 * 1024);
    await first.close(); // the app quits mid-download
    await expectStoreError(handle.done, 'paused');
    expect(await first.list()).toEqual([]);

    s.weights.cue.bytesPerSecond = undefined;
    const second = await s.open();
    const pending = await second.pendingDownloads();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ variantId: 'tiny-onnx-int8', running: false });
    expect(pending[0]!.bytes).toBeGreaterThan(40 * 1024);
    await second.resume('tiny-onnx-int8').done;
    const gets = s.hub.gets(s.weights);
    expect(gets.at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(gets.at(-1)!.status).toBe(206);
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
    expect(await second.pendingDownloads()).toEqual([]);
  });

  it('never installs a file whose SHA-256 fails, and says so', async () => {
    const s = await setup({ cue: { corrupt: true } });
    const store = await s.open();
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'hash-mismatch');
    expect(err.message).toContain(WEIGHTS);
    expect(err.message).toContain('SHA-256');
    expect(err.message).toContain('Nothing was installed');
    await nothingInstalled(store, s.root);
    // The bad bytes are gone too, so a retry cannot resume them.
    await expect(stat(path.join(s.root, '.partial', 'tiny-onnx-int8', 'files', 'onnx', 'model_quantized.onnx'))).rejects.toThrow();
  });

  it('restarts from zero when the server ignores Range', async () => {
    const s = await setup({ cue: { ignoreRange: true, drop: { afterBytes: 64 * 1024, times: 1 } } });
    const store = await s.open();
    await store.download('tiny-onnx-int8').done;
    const gets = s.hub.gets(s.weights);
    expect(gets).toHaveLength(2);
    expect(gets[1]!.range).not.toBeNull();
    expect(gets[1]!.status).toBe(200);
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
  });

  it('retries with backoff after 500s, then succeeds', async () => {
    const s = await setup({ cue: { fail: { status: 500, times: 2 } } });
    const store = await s.open();
    await store.download('tiny-onnx-int8').done;
    expect(s.hub.gets(s.weights).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('gives a clear error on 404 and fetches nothing', async () => {
    const s = await setup({ cue: { status: 404 } });
    const store = await s.open();
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'not-found');
    expect(err.message).toContain(`test/tiny/${WEIGHTS}`);
    expect(err.message).toContain('404');
    expect(s.hub.requests.filter((r) => r.method === 'GET')).toEqual([]);
    await nothingInstalled(store, s.root);
  });

  it('explains a 401 from a gated or private repository', async () => {
    const s = await setup({ cue: { status: 401 } });
    const store = await s.open();
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'unauthorized');
    expect(err.message).toMatch(/gated/);
    expect(err.message).toContain('HF_TOKEN');
    await nothingInstalled(store, s.root);
  });

  it('reports progress as the bytes come on a slow link, with speed and ETA', async () => {
    const s = await setup({ size: 48 * 1024, cue: { bytesPerSecond: 24 * 1024 } });
    const store = await s.open({ progressIntervalMs: 250 });
    const seen: DownloadProgress[] = [];
    store.onEvent((e) => {
      if (e.type === 'progress' && e.progress.phase === 'downloading') seen.push(e.progress);
    });
    await store.download('tiny-onnx-int8').done;
    // Several reports while the two seconds of bytes arrive, not one at the end.
    expect(new Set(seen.map((p) => p.bytes)).size).toBeGreaterThanOrEqual(3);
    expect(seen.some((p) => p.bytesPerSecond > 10 * 1024 && p.bytesPerSecond < 40 * 1024)).toBe(true);
    expect(seen.some((p) => p.etaSeconds !== null && p.etaSeconds > 0)).toBe(true);
    const bytes = seen.map((p) => p.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  });

  it('cancels and removes the temporary files', async () => {
    const s = await setup({ cue: { bytesPerSecond: 64 * 1024 } });
    const store = await s.open();
    const handle = store.download('tiny-onnx-int8');
    await waitFor(store, (p) => p.phase === 'downloading' && p.bytes > 16 * 1024);
    await handle.cancel();
    await expectStoreError(handle.done, 'cancelled');
    expect(await readdir(path.join(s.root, '.partial'))).toEqual([]);
    await nothingInstalled(store, s.root);
    expect(await store.pendingDownloads()).toEqual([]);
  });

  it('pauses and resumes from where it stopped', async () => {
    const s = await setup({ cue: { bytesPerSecond: 128 * 1024 } });
    const store = await s.open();
    const handle = store.download('tiny-onnx-int8');
    const at = await waitFor(store, (p) => p.phase === 'downloading' && p.bytes > 32 * 1024);
    handle.pause();
    await expectStoreError(handle.done, 'paused');
    s.weights.cue.bytesPerSecond = undefined;
    await store.resume('tiny-onnx-int8').done;
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(s.hub.gets(s.weights).at(-1)!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThanOrEqual(at.bytes - 100);
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
  });

  it('refuses to start when the disk is too small, before fetching anything', async () => {
    const s = await setup();
    const store = await s.open({ statfs: () => Promise.resolve({ bavail: 100n, bsize: 4096n }) });
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'disk-full');
    expect(err.message).toMatch(/not enough free disk space/);
    expect(s.hub.requests.filter((r) => r.method === 'GET')).toEqual([]);
    await nothingInstalled(store, s.root);
  });

  it('joins two downloads of the same model instead of corrupting it', async () => {
    const s = await setup({ cue: { bytesPerSecond: 512 * 1024 } });
    const a = await s.open();
    const b = await s.open();
    const first = a.download('tiny-onnx-int8');
    const second = a.download('tiny-onnx-int8');
    const third = b.download('tiny-onnx-int8'); // another store object on the same folder
    const [m1, m2, m3] = await Promise.all([first.done, second.done, third.done]);
    expect(m1.id).toBe('tiny-onnx-int8');
    expect(m2).toEqual(m1);
    expect(m3.dir).toBe(m1.dir);
    expect(s.hub.gets(s.weights)).toHaveLength(1);
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
  });

  it('leaves a model to another process that is downloading it, and takes over the lock of a dead one', async () => {
    const s = await setup();
    const lockDir = path.join(s.root, '.partial', 'tiny-onnx-int8');
    await mkdir(lockDir, { recursive: true });
    await writeFile(path.join(lockDir, 'lock'), String(process.ppid));
    const store = await s.open();
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'busy');
    expect(err.message).toContain(String(process.ppid));
    await writeFile(path.join(lockDir, 'lock'), '2147483646'); // no such process
    await store.download('tiny-onnx-int8').done;
    expect(await readdir(path.join(s.root, '.partial'))).toEqual([]);
  });

  it('checks the catalog hash against the hub before fetching', async () => {
    const s = await setup({ catalogSha: 'a'.repeat(64) });
    const store = await s.open();
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'upstream-changed');
    expect(err.message).toContain('catalog');
    expect(s.hub.requests.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('verifies against a SHA-256 the catalog knows', async () => {
    const probe = await setup();
    const sha = probe.weights.sha256;
    // A fresh hub with the same bytes would have a new random file; reuse this one by pinning its hash.
    const store = await ModelStore.open({
      root: probe.root,
      endpoint: probe.hub.endpoint,
      retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 5 },
      catalog: parseCatalog({
        ...probe.catalog,
        models: probe.catalog.models.map((m) => ({
          ...m,
          variants: m.variants.map((v) => ({
            ...v,
            files: v.files.map((f) =>
              f.role === 'weights' ? { ...f, size: probe.weights.content.length, sha256: sha, verify: 'sha256' as const } : f,
            ),
          })),
        })),
      }),
    });
    cleanup.push(() => store.close());
    const model = await store.download('tiny-onnx-int8').done;
    const manifest = JSON.parse(await readFile(path.join(model.dir, 'kaituhi-model.json'), 'utf8')) as {
      files: { path: string; sha256: string | null }[];
    };
    expect(manifest.files.find((f) => f.path === WEIGHTS)?.sha256).toBe(sha);
  });

  it('skips an optional file the hub does not have', async () => {
    const s = await setup({ optionalMissing: true });
    const store = await s.open();
    const model = await store.download('tiny-onnx-int8').done;
    await expect(stat(path.join(model.dir, 'generation_config.json'))).rejects.toThrow();
  });

  it('builds hub URLs and honours HF_ENDPOINT', () => {
    expect(hubEndpoint({})).toBe('https://huggingface.co');
    expect(hubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.com/' })).toBe('https://hf-mirror.com');
    expect(resolveUrl('https://hf-mirror.com', 'Xenova/gpt2', 'main', 'onnx/model_quantized.onnx')).toBe(
      'https://hf-mirror.com/Xenova/gpt2/resolve/main/onnx/model_quantized.onnx',
    );
  });

  it('rejects a variant the catalog does not have', async () => {
    const s = await setup();
    const store = await s.open();
    expect(() => store.download('nope')).toThrow(StoreError);
  });
});

describe('the access token (HF_TOKEN)', () => {
  const TOKEN = 'hf_secret_test_token';

  it('goes to huggingface.co over https only, unless the writer opts in for another endpoint', () => {
    expect(mayReceiveHubToken('https://huggingface.co', {})).toBe(true);
    expect(mayReceiveHubToken('https://hf-mirror.com', {})).toBe(false);
    expect(mayReceiveHubToken('http://huggingface.co', {})).toBe(false);
    expect(mayReceiveHubToken('https://huggingface.co.example.net', {})).toBe(false);
    expect(mayReceiveHubToken('https://hf-mirror.com', { KAITUHI_SEND_HF_TOKEN_TO_ENDPOINT: '1' })).toBe(true);
    expect(mayReceiveHubToken('https://hf-mirror.com', { KAITUHI_SEND_HF_TOKEN_TO_ENDPOINT: '0' })).toBe(false);
  });

  it('is not sent to the endpoint HF_ENDPOINT names', async () => {
    const s = await setup();
    const store = await s.open({ token: TOKEN });
    await store.download('tiny-onnx-int8').done;
    expect(s.hub.requests.length).toBeGreaterThan(0);
    expect(s.hub.requests.filter((r) => r.authorization !== null)).toEqual([]);
  });

  it('is sent to that endpoint when the writer opts in, and dropped on a redirect to another host', async () => {
    const s = await setup();
    const cdn = new TestHub();
    await cdn.start();
    cleanup.push(() => cdn.close());
    const onCdn = cdn.add('test/tiny', WEIGHTS, s.weights.content, true);
    s.hub.cdnOrigin = cdn.endpoint;
    const store = await s.open({ token: TOKEN, sendTokenToEndpoint: true });
    await store.download('tiny-onnx-int8').done;
    expect((await installedBytes(s.root)).equals(s.weights.content)).toBe(true);
    expect(s.hub.requests.length).toBeGreaterThan(0);
    expect(s.hub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(cdn.gets(onCdn)).toHaveLength(1);
    expect(cdn.requests.map((r) => r.authorization)).toEqual(cdn.requests.map(() => null));
  });

  it('says how to send it when a withheld token would have been needed', async () => {
    const s = await setup({ cue: { status: 401 } });
    const store = await s.open({ token: TOKEN });
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'unauthorized');
    expect(err.message).toContain('KAITUHI_SEND_HF_TOKEN_TO_ENDPOINT=1');
  });
});

describe('trust on first use', () => {
  const trustedFiles = async (root: string): Promise<Record<string, { sha256: string; size: number }>> => {
    const state = JSON.parse(await readFile(path.join(root, 'store.json'), 'utf8')) as {
      trusted: Record<string, { files: Record<string, { sha256: string; size: number }> }>;
    };
    return state.trusted['test/tiny@c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00']!.files;
  };

  it('records the SHA-256 of every file after the first verified download, in the store and the manifest', async () => {
    const s = await setup();
    const store = await s.open();
    const model = await store.download('tiny-onnx-int8').done;
    const files = await trustedFiles(s.root);
    expect(Object.keys(files).sort()).toEqual(['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json']);
    expect(files[WEIGHTS]).toEqual({ sha256: s.weights.sha256, size: s.weights.content.length });
    const manifest = JSON.parse(await readFile(path.join(model.dir, 'kaituhi-model.json'), 'utf8')) as {
      files: { path: string; sha256: string }[];
    };
    for (const f of manifest.files) expect(f.sha256).toBe(files[f.path]!.sha256);
  });

  it('refuses a later download whose weights differ from the first, before fetching them, until the writer confirms', async () => {
    const s = await setup();
    const store = await s.open();
    await store.download('tiny-onnx-int8').done;
    await store.delete('tiny-onnx-int8');
    const first = (await trustedFiles(s.root))[WEIGHTS]!;
    // Same repository, same commit, other bytes: a compromised hub or mirror.
    const swapped = s.hub.add('test/tiny', WEIGHTS, randomContent(s.weights.content.length), true);
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'files-changed');
    expect(err.message).toContain(WEIGHTS);
    expect(err.message).toContain(first.sha256);
    expect(err.message).toContain(swapped.sha256);
    expect(err.message).toMatch(/Nothing was installed/);
    expect(s.hub.gets(swapped)).toEqual([]);
    await nothingInstalled(store, s.root);

    const model = await store.download('tiny-onnx-int8', { acceptChangedFiles: true }).done;
    expect((await readFile(path.join(model.dir, ...WEIGHTS.split('/')))).equals(swapped.content)).toBe(true);
    expect((await trustedFiles(s.root))[WEIGHTS]!.sha256).toBe(swapped.sha256);
    // What the writer accepted is what is trusted from now on.
    await store.delete('tiny-onnx-int8');
    await store.download('tiny-onnx-int8').done;
  });

  it('refuses a small file that differs from the first download, though its git hash checks out', async () => {
    const s = await setup();
    const store = await s.open();
    await store.download('tiny-onnx-int8').done;
    await store.delete('tiny-onnx-int8');
    s.hub.add('test/tiny', 'config.json', Buffer.from(JSON.stringify({ model_type: 'gpt2', n_layer: 3 })), false);
    const err = await expectStoreError(store.download('tiny-onnx-int8').done, 'files-changed');
    expect(err.message).toContain('config.json');
    await nothingInstalled(store, s.root);
    await store.download('tiny-onnx-int8', { acceptChangedFiles: true }).done;
    expect(await store.list()).toHaveLength(1);
  });
});
