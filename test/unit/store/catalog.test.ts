import { describe, expect, it } from 'vitest';
import { layoutProblems, loadCatalog, parseCatalog, variantDownloadSize, type Catalog } from '../../../electron/store/catalog.js';
import { onnxGraphPrecision } from '../../../electron/common/onnx-layout.js';
import { CHECKPOINT_WEIGHTS } from '../../../electron/store/formats.js';

const catalog: Catalog = await loadCatalog();
const variants = catalog.models.flatMap((m) => m.variants.map((v) => ({ model: m, variant: v })));

describe('models/catalog.json', () => {
  it('lists the GPT-2 family and the Chinese GPT-2 family', () => {
    expect(catalog.models.map((m) => m.id)).toEqual([
      'distilgpt2',
      'gpt2',
      'gpt2-medium',
      'gpt2-large',
      'gpt2-xl',
      'gpt2-chinese',
      'gpt2-chinese-distil',
      'gpt2-chinese-ancient',
      'gpt2-chinese-poem',
      'gpt2-chinese-couplet',
      'gpt2-chinese-lyric',
    ]);
    const repos = new Set(variants.map((v) => v.variant.repo));
    for (const repo of [
      'openai-community/gpt2',
      'openai-community/gpt2-medium',
      'openai-community/gpt2-large',
      'openai-community/gpt2-xl',
      'distilbert/distilgpt2',
      'Xenova/gpt2',
      'Xenova/distilgpt2',
      'uer/gpt2-chinese-cluecorpussmall',
      'uer/gpt2-distil-chinese-cluecorpussmall',
      'uer/gpt2-chinese-ancient',
      'uer/gpt2-chinese-poem',
      'uer/gpt2-chinese-couplet',
      'uer/gpt2-chinese-lyric',
    ]) {
      expect(repos).toContain(repo);
    }
    // Every family has something the engine can load without an ONNX export: the original checkpoint.
    for (const model of catalog.models) expect(model.variants.some((v) => v.format === 'checkpoint')).toBe(true);
  });

  it('names only layouts the engine loads', () => {
    for (const { variant } of variants) {
      expect(layoutProblems(variant), variant.id).toEqual([]);
      const weights = variant.files.filter((f) => f.role === 'weights');
      expect(weights).toHaveLength(1);
      const w = weights[0]!;
      if (variant.format === 'checkpoint') expect(w.path).toBe(CHECKPOINT_WEIGHTS);
      else expect(onnxGraphPrecision(w.path), w.path).toBe(variant.precision);
      expect(variant.files.map((f) => f.path)).toContain('config.json');
    }
  });

  it('gives every file a positive size (exact or estimated) and a SHA-256 or a hub check', () => {
    for (const { variant } of variants) {
      for (const f of variant.files) {
        const label = `${variant.id}/${f.path}`;
        if (f.size !== null) expect(f.size, label).toBeGreaterThan(0);
        else expect(f.estimatedSize, label).toBeGreaterThan(0);
        if (f.sha256 !== null) {
          expect(f.sha256, label).toMatch(/^[0-9a-f]{64}$/);
          expect(f.verify, label).toBe('sha256');
        } else {
          expect(['hub-x-linked-etag', 'hub-etag'], label).toContain(f.verify);
        }
        expect(f.source.length, label).toBeGreaterThan(0);
      }
      const weights = variant.files.find((f) => f.role === 'weights')!;
      // Weights are LFS files: the hub gives their SHA-256 when the catalog does not.
      if (weights.sha256 === null) expect(weights.verify).toBe('hub-x-linked-etag');
      expect(variantDownloadSize(variant).bytes).toBeGreaterThan(0);
    }
  });

  it('records the figures that were found, with their source', () => {
    const gpt2 = variants.find((v) => v.variant.id === 'gpt2-checkpoint')!.variant;
    const st = gpt2.files.find((f) => f.path === 'model.safetensors')!;
    expect(st.size).toBe(548105171);
    expect(st.source).toMatch(/safetensors/);
    const merged = variants.find((v) => v.variant.id === 'gpt2-onnx-merged-fp32')!.variant;
    const onnx = merged.files.find((f) => f.role === 'weights')!;
    expect(onnx).toMatchObject({ size: 655188482, verify: 'sha256' });
    expect(onnx.source).toMatch(/LFS pointer/);
    // A figure without a source would be a guess; estimates say they are estimates.
    for (const { variant } of variants) {
      for (const f of variant.files) if (f.size === null && f.sha256 === null) expect(f.source).toMatch(/not found/);
    }
  });

  it('pins every variant to a commit (or a pull-request ref with pinned weights), and says where the pin came from', () => {
    for (const { variant } of variants) {
      if (!variant.revision.startsWith('refs/pr/')) expect(variant.revision, variant.id).toMatch(/^[0-9a-f]{40}$/);
      expect(variant.revisionSource.length, variant.id).toBeGreaterThan(20);
    }
    const pins = Object.fromEntries(variants.map(({ variant }) => [variant.repo, variant.revision]));
    expect(pins).toEqual({
      'Xenova/distilgpt2': 'a41c10485c18a64b6606729b6a082330cbd8f49e',
      'distilbert/distilgpt2': '2290a62682d06624634c1f46a6ad5be0f47f38aa',
      'Xenova/gpt2': 'bf2c7f02e0b826c60d03af341171bde20893da66',
      'openai-community/gpt2': '607a30d783dfa663caf39e06633721c8d4cfcd7e',
      'openai-community/gpt2-medium': '6dcaa7a952f72f9298047fd5137cd6e4f05f41da',
      'openai-community/gpt2-large': '32b71b12589c2f8d625668d2335a01cac3249519',
      'openai-community/gpt2-xl': '15ea56dee5df4983c59b2538573817e1667135e2',
      'uer/gpt2-chinese-cluecorpussmall': '10c7bb4c589cd73df8dbd2e1b5ef819dc7ac9f7a',
      'uer/gpt2-distil-chinese-cluecorpussmall': 'a37ea26ae38a65c97b3a80ea20dd3ece85c2e4ac',
      'uer/gpt2-chinese-ancient': 'refs/pr/5',
      'uer/gpt2-chinese-poem': 'f09e2fecceb5998a0d4a8c403a34f12d23e12f9b',
      'uer/gpt2-chinese-couplet': 'refs/pr/1',
      'uer/gpt2-chinese-lyric': '5c4898953a13532cf70821fd7ef9d5de41f7feeb',
    });
  });

  it('records the SHA-256 of every file a public source gives, with the source', () => {
    const sha = (variantId: string, file: string): string | null | undefined =>
      variants.find((v) => v.variant.id === variantId)?.variant.files.find((f) => f.path === file)?.sha256;
    const GPT2_TOKENIZER = '8414cab924d8b9b33013f0d221c5862f365ee9be39c5c2bfae8a5a9e970478a6';
    const XENOVA_TOKENIZER = 'cda20b8ca044949aa07ac4078420c80d1a57139d5f9f33700e46fb2d891e7c66';
    expect(sha('gpt2-checkpoint', 'model.safetensors')).toBe('248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707');
    expect(sha('gpt2-checkpoint', 'config.json')).toBe('0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4');
    expect(sha('gpt2-checkpoint', 'tokenizer.json')).toBe(GPT2_TOKENIZER);
    expect(sha('distilgpt2-checkpoint', 'model.safetensors')).toBe('e1ff18884359fe8beb795a5f414feb85a6ce3d929ad019c0d958c039d2b94a1b');
    expect(sha('distilgpt2-checkpoint', 'config.json')).toBe('4ec5947c1d59fee6212cdf3b0ec1a53eac02092554c5ff0a733488cbd2c64f3a');
    expect(sha('distilgpt2-onnx-fp32', 'onnx/model.onnx')).toBe('d605c4b3740df3960e8f84e4c5735af8d81d19105eb915b692272c08cc800b0c');
    expect(sha('distilgpt2-onnx-int8', 'tokenizer.json')).toBe(XENOVA_TOKENIZER);
    expect(sha('gpt2-onnx-int8', 'tokenizer.json')).toBe(XENOVA_TOKENIZER);
    expect(sha('gpt2-xl-checkpoint', 'model.safetensors')).toBe('0f8b28eb05a8075f48b61b6f35332978c74fc7763fa9fb4051a1c30511736a6a');
    let recorded = 0;
    for (const { variant } of variants) {
      for (const f of variant.files) {
        if (f.sha256 === null) continue;
        recorded += 1;
        expect(f.source, `${variant.id}/${f.path}`).toMatch(/SHA-256/);
      }
    }
    expect(recorded).toBeGreaterThanOrEqual(30);
  });

  it('sizes the download from exact figures where it has them', () => {
    const gpt2 = variants.find((v) => v.variant.id === 'gpt2-checkpoint')!.variant;
    // Every required file of the 124M checkpoint has a published size (the optional ones do not count).
    expect(variantDownloadSize(gpt2)).toEqual({ bytes: 665 + 1042301 + 456318 + 548105171, exact: true });
    const medium = variants.find((v) => v.variant.id === 'gpt2-medium-checkpoint')!.variant;
    const size = variantDownloadSize(medium);
    expect(size.exact).toBe(false); // no published sizes for gpt2-medium
    expect(size.bytes).toBeGreaterThan(1_000_000_000);
  });
});

describe('the Chinese GPT-2 family', () => {
  const chinese = catalog.models.filter((m) => m.language === 'zh');

  it('says what each model is good for, in the picker and in every model', () => {
    for (const model of catalog.models) expect(model.goodFor, model.id).toBeDefined();
    expect(Object.fromEntries(chinese.map((m) => [m.id, m.goodFor]))).toEqual({
      'gpt2-chinese': 'modern-chinese',
      'gpt2-chinese-distil': 'modern-chinese',
      'gpt2-chinese-ancient': 'classical-chinese',
      'gpt2-chinese-poem': 'chinese-poetry',
      'gpt2-chinese-couplet': 'chinese-couplets',
      'gpt2-chinese-lyric': 'chinese-lyrics',
    });
  });

  it('fetches the BERT vocabulary and model.safetensors, from a revision that has it', () => {
    for (const model of chinese) {
      expect(model.tokenizer, model.id).toBe('wordpiece');
      for (const variant of model.variants) {
        expect(variant.format).toBe('checkpoint');
        expect(variant.files.map((f) => f.path).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
        // model.safetensors is only in the hub's conversion pull requests, not on main.
        expect(variant.revision, variant.id).not.toBe('main');
        expect(variant.revision, variant.id).toMatch(/^(?:[0-9a-f]{40}|refs\/pr\/\d+)$/);
      }
    }
  });

  it('pins every refs/pr revision with a SHA-256, and cites the page each published figure came from', () => {
    for (const model of chinese) {
      for (const variant of model.variants) {
        const weights = variant.files.find((f) => f.role === 'weights')!;
        if (variant.revision.startsWith('refs/pr/')) expect(weights.sha256, variant.id).toMatch(/^[0-9a-f]{64}$/);
        for (const f of variant.files) {
          if (f.size !== null || f.sha256 !== null) expect(f.source, `${variant.id}/${f.path}`).toMatch(/https:\/\/huggingface\.co\/uer\//);
        }
        // Estimates follow the parameter count: fp32 weights are 4 bytes each.
        if (weights.size === null) expect(weights.estimatedSize).toBe(model.parameters * 4);
      }
    }
    const ancient = catalog.models.find((m) => m.id === 'gpt2-chinese-ancient')!;
    expect(ancient.variants[0]!.files.find((f) => f.role === 'weights')).toMatchObject({
      sha256: '70c6a9cfc1271ff6ff13ab667fd6c45f3eba83e943325c2409c58f5a18053904',
      verify: 'sha256',
    });
    // 25,370 tokens: 12 layers of 768 plus the larger embedding.
    expect(ancient.parameters).toBe(12 * 7_087_872 + 25_370 * 768 + 1024 * 768 + 2 * 768);
  });

  it('rejects a use the picker has no words for', () => {
    const model = { ...catalog.models.find((m) => m.id === 'gpt2-chinese-poem')!, goodFor: 'shopping-lists' };
    expect(() => parseCatalog({ schemaVersion: 1, models: [model] })).toThrow(/goodFor/);
  });
});

describe('parseCatalog', () => {
  const file = { path: 'config.json', role: 'config', size: 10, sha256: null, verify: 'hub-etag', source: 's' };
  const tok = { ...file, path: 'tokenizer.json', role: 'tokenizer' };
  const weights = { path: 'onnx/model.onnx', role: 'weights', size: 10, sha256: null, verify: 'hub-x-linked-etag', source: 's' };
  const make = (files: object[], extra: object = {}): unknown => ({
    schemaVersion: 1,
    models: [
      {
        id: 'm',
        name: 'M',
        parameters: 1,
        language: 'en',
        tokenizer: 'byte-level-bpe',
        license: 'mit',
        variants: [
          {
            id: 'm-onnx-fp32',
            repo: 'a/b',
            revision: 'a'.repeat(40),
            revisionSource: 's',
            format: 'onnx',
            precision: 'fp32',
            files,
            ...extra,
          },
        ],
      },
    ],
  });

  it('accepts a well-formed entry', () => {
    expect(parseCatalog(make([file, tok, weights])).models).toHaveLength(1);
  });

  it.each([
    ['a path that climbs out', [file, tok, { ...weights, path: '../../onnx/model.onnx' }]],
    ['an absolute path', [file, tok, { ...weights, path: '/etc/passwd' }]],
    ['a malformed SHA-256', [file, tok, { ...weights, sha256: 'abc', verify: 'sha256' }]],
    ['verify sha256 without a hash', [file, tok, { ...weights, verify: 'sha256' }]],
    ['a hash with a hub verify method', [file, tok, { ...weights, sha256: 'a'.repeat(64) }]],
    ['no size and no estimate', [file, tok, { ...weights, size: null }]],
    ['a zero size', [file, tok, { ...weights, size: 0 }]],
    ['no tokenizer', [file, weights]],
    ['no config', [tok, weights]],
    ['an ONNX name the engine does not look for', [file, tok, { ...weights, path: 'onnx/encoder_model.onnx' }]],
    ['weights of another precision', [file, tok, { ...weights, path: 'onnx/model_fp16.onnx' }]],
    ['an unknown field', [file, tok, { ...weights, colour: 'red' }]],
  ])('rejects %s', (_label, files) => {
    expect(() => parseCatalog(make(files))).toThrow(/catalog\.json/);
  });

  it('rejects a revision that is a branch or a tag rather than a commit', () => {
    for (const revision of ['main', 'v1.0', 'A'.repeat(40), 'a'.repeat(39)])
      expect(() => parseCatalog(make([file, tok, weights], { revision }))).toThrow(/revision/);
  });

  it('takes a pull-request ref only where the weights are pinned by their SHA-256 (the ref can move)', () => {
    expect(() => parseCatalog(make([file, tok, weights], { revision: 'refs/pr/5' }))).toThrow(/refs\/pr/);
    const pinned = { ...weights, sha256: 'a'.repeat(64), verify: 'sha256' };
    expect(parseCatalog(make([file, tok, pinned], { revision: 'refs/pr/5' })).models).toHaveLength(1);
    expect(() => parseCatalog(make([file, tok, pinned], { revision: 'refs/heads/main' }))).toThrow(/revision/);
  });

  it('rejects a checkpoint that is not model.safetensors and duplicate ids', () => {
    expect(() => parseCatalog(make([file, tok, { ...weights, path: 'pytorch_model.bin' }], { format: 'checkpoint' }))).toThrow(
      /safetensors/,
    );
    const dup = make([file, tok, weights]) as { models: { variants: { id: string }[] }[] };
    dup.models[0]!.variants[0]!.id = 'm';
    expect(() => parseCatalog(dup)).toThrow(/used twice/);
  });
});
