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

  it('sizes the download from exact figures where it has them', () => {
    const gpt2 = variants.find((v) => v.variant.id === 'gpt2-checkpoint')!.variant;
    const size = variantDownloadSize(gpt2);
    expect(size.exact).toBe(false); // config and tokenizer sizes are estimates
    expect(size.bytes).toBeGreaterThan(548105171);
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
        variants: [{ id: 'm-onnx-fp32', repo: 'a/b', revision: 'main', format: 'onnx', precision: 'fp32', files, ...extra }],
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

  it('rejects a checkpoint that is not model.safetensors and duplicate ids', () => {
    expect(() => parseCatalog(make([file, tok, { ...weights, path: 'pytorch_model.bin' }], { format: 'checkpoint' }))).toThrow(
      /safetensors/,
    );
    const dup = make([file, tok, weights]) as { models: { variants: { id: string }[] }[] };
    dup.models[0]!.variants[0]!.id = 'm';
    expect(() => parseCatalog(dup)).toThrow(/used twice/);
  });
});
