import { describe, expect, it } from 'vitest';
import { conv1d, geluNew, layerNorm, randomGpt2Weights, referenceForward, type Gpt2RefConfig } from '../../support/reference-gpt2.js';

const TINY: Gpt2RefConfig = { nLayer: 1, nHead: 2, nEmbd: 4, vocabSize: 5, nPositions: 8, layerNormEpsilon: 1e-5 };

type Matrix = number[][];

/** An independent formulation with whole matrices and an explicit causal mask, to compare the reference against. */
function naiveForward(w: ReadonlyMap<string, Float32Array>, cfg: Gpt2RefConfig, ids: readonly number[]): Matrix {
  const C = cfg.nEmbd;
  const get = (n: string): number[] => Array.from(w.get(`transformer.${n}`)!);
  const mat = (flat: number[], rows: number, cols: number): Matrix =>
    Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
  const matmul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
  const addBias = (a: Matrix, b: number[]): Matrix => a.map((row) => row.map((x, j) => x + b[j]!));
  const add = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((x, j) => x + b[i]![j]!));
  const ln = (a: Matrix, g: number[], b: number[]): Matrix =>
    a.map((row) => {
      const mean = row.reduce((s, x) => s + x, 0) / row.length;
      const v = row.reduce((s, x) => s + (x - mean) ** 2, 0) / row.length;
      return row.map((x, j) => ((x - mean) / Math.sqrt(v + cfg.layerNormEpsilon)) * g[j]! + b[j]!);
    });
  const wte = mat(get('wte.weight'), cfg.vocabSize, C);
  const wpe = mat(get('wpe.weight'), cfg.nPositions, C);
  let x: Matrix = ids.map((id, t) => wte[id]!.map((v, c) => v + wpe[t]![c]!));
  const T = ids.length;
  const d = C / cfg.nHead;
  for (let l = 0; l < cfg.nLayer; l++) {
    const p = `h.${l}.`;
    const qkv = addBias(
      matmul(ln(x, get(`${p}ln_1.weight`), get(`${p}ln_1.bias`)), mat(get(`${p}attn.c_attn.weight`), C, 3 * C)),
      get(`${p}attn.c_attn.bias`),
    );
    const concat: Matrix = Array.from({ length: T }, () => new Array<number>(C).fill(0));
    for (let h = 0; h < cfg.nHead; h++) {
      const Q = qkv.map((r) => r.slice(h * d, h * d + d));
      const K = qkv.map((r) => r.slice(C + h * d, C + h * d + d));
      const V = qkv.map((r) => r.slice(2 * C + h * d, 2 * C + h * d + d));
      const Kt = K[0]!.map((_, j) => K.map((r) => r[j]!));
      const S = matmul(Q, Kt).map((row, i) => row.map((s, j) => (j > i ? -Infinity : s / Math.sqrt(d))));
      const P = S.map((row) => {
        const e = row.map((s) => Math.exp(s - Math.max(...row)));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / z);
      });
      const O = matmul(P, V);
      O.forEach((row, i) => row.forEach((v, j) => (concat[i]![h * d + j] = v)));
    }
    x = add(x, addBias(matmul(concat, mat(get(`${p}attn.c_proj.weight`), C, C)), get(`${p}attn.c_proj.bias`)));
    const fc = addBias(
      matmul(ln(x, get(`${p}ln_2.weight`), get(`${p}ln_2.bias`)), mat(get(`${p}mlp.c_fc.weight`), C, 4 * C)),
      get(`${p}mlp.c_fc.bias`),
    );
    const act = fc.map((r) => r.map((v) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v ** 3)))));
    x = add(x, addBias(matmul(act, mat(get(`${p}mlp.c_proj.weight`), 4 * C, C)), get(`${p}mlp.c_proj.bias`)));
  }
  const wteT = wte[0]!.map((_, j) => wte.map((r) => r[j]!));
  return matmul(ln(x, get('ln_f.weight'), get('ln_f.bias')), wteT);
}

describe('reference GPT-2 building blocks', () => {
  it('layer norm gives mean 0 and variance 1 with unit gain and zero bias', () => {
    const x = Float64Array.from([3, -1, 4, 1, -5, 9, 2, 6]);
    const out = layerNorm(x, new Float32Array(8).fill(1), new Float32Array(8), 0);
    const mean = out.reduce((a, b) => a + b, 0) / 8;
    const variance = out.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
    expect(mean).toBeCloseTo(0, 12);
    expect(variance).toBeCloseTo(1, 12);
  });

  it('gelu_new matches known values', () => {
    expect(geluNew(0)).toBe(0);
    expect(geluNew(1)).toBeCloseTo(0.8411919906, 9);
    expect(geluNew(-1)).toBeCloseTo(-0.1588080094, 9);
    expect(geluNew(3)).toBeCloseTo(2.9963625, 6);
  });

  it('conv1d reads its weight as [in, out]', () => {
    // W = [[1, 2, 3], [4, 5, 6]] (2 in, 3 out); x = [1, 10] -> [41, 52, 63] + bias.
    const y = conv1d(Float64Array.from([1, 10]), Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([0.5, 0, -1]), 2, 3);
    expect(Array.from(y)).toEqual([41.5, 52, 62]);
  });
});

describe('referenceForward', () => {
  it('hand-checked: one token, attention is the value projection, logits are dot products with wte', () => {
    const C = 4;
    const cfg: Gpt2RefConfig = { ...TINY, layerNormEpsilon: 0 };
    const w = new Map<string, Float32Array>();
    const eye = (n: number): Float32Array => Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    w.set('wte.weight', Float32Array.from([1, -1, 1, -1, -1, 1, -1, 1, 1, 1, -1, -1, 2, -2, 2, -2, 0, 0, 0, 0]));
    w.set('wpe.weight', new Float32Array(8 * C));
    w.set('h.0.ln_1.weight', new Float32Array(C).fill(1));
    w.set('h.0.ln_1.bias', new Float32Array(C));
    // c_attn [C, 3C]: Q and K arbitrary, V = identity.
    const cAttn = new Float32Array(C * 3 * C);
    for (let i = 0; i < C; i++) {
      cAttn[i * 3 * C + i] = 0.3;
      cAttn[i * 3 * C + C + ((i + 1) % C)] = -0.7;
      cAttn[i * 3 * C + 2 * C + i] = 1;
    }
    w.set('h.0.attn.c_attn.weight', cAttn);
    w.set('h.0.attn.c_attn.bias', new Float32Array(3 * C));
    w.set('h.0.attn.c_proj.weight', eye(C));
    w.set('h.0.attn.c_proj.bias', new Float32Array(C));
    w.set('h.0.ln_2.weight', new Float32Array(C).fill(1));
    w.set('h.0.ln_2.bias', new Float32Array(C));
    // A zero MLP: gelu(0) = 0, so it adds nothing.
    w.set('h.0.mlp.c_fc.weight', new Float32Array(C * 4 * C));
    w.set('h.0.mlp.c_fc.bias', new Float32Array(4 * C));
    w.set('h.0.mlp.c_proj.weight', new Float32Array(4 * C * C));
    w.set('h.0.mlp.c_proj.bias', new Float32Array(C));
    w.set('ln_f.weight', new Float32Array(C).fill(1));
    w.set('ln_f.bias', new Float32Array(C));
    // x = wte[0] = [1,-1,1,-1] (mean 0, var 1) -> ln_1 = x -> v = x -> residual 2x -> ln_f = x -> logits = x . wte[v].
    const [logits] = referenceForward(w, cfg, [0]);
    expect(Array.from(logits!)).toEqual([4, -4, 0, 8, 0]);
    // Two tokens with the same embedding: attention averages identical values, so both positions agree.
    const two = referenceForward(w, cfg, [0, 0]);
    two.forEach((row) => expect(Array.from(row)).toEqual([4, -4, 0, 8, 0]));
  });

  it('agrees with an independent matrix formulation', () => {
    for (const cfg of [TINY, { ...TINY, nLayer: 2, nHead: 4, nEmbd: 8, vocabSize: 11 }]) {
      const w = randomGpt2Weights(cfg, 7);
      const ids = [1, 4, 0, 3, 3, 2].map((i) => i % cfg.vocabSize);
      const ours = referenceForward(w, cfg, ids);
      const theirs = naiveForward(w, cfg, ids);
      ours.forEach((row, t) => row.forEach((v, j) => expect(v).toBeCloseTo(theirs[t]![j]!, 10)));
    }
  });

  it('is causal: logits at position i do not depend on later tokens', () => {
    const cfg = { ...TINY, nLayer: 2 };
    const w = randomGpt2Weights(cfg, 3);
    const a = referenceForward(w, cfg, [1, 2, 3, 4]);
    const b = referenceForward(w, cfg, [1, 2, 3, 0]);
    for (let t = 0; t < 3; t++) expect(Array.from(b[t]!)).toEqual(Array.from(a[t]!));
    expect(Array.from(b[3]!)).not.toEqual(Array.from(a[3]!));
    // And a prefix run gives the same rows.
    const prefix = referenceForward(w, cfg, [1, 2]);
    expect(prefix.map((r) => Array.from(r))).toEqual(a.slice(0, 2).map((r) => Array.from(r)));
  });

  it('accepts names with or without the transformer. prefix', () => {
    const a = referenceForward(randomGpt2Weights(TINY, 5, 0.2, 'transformer.'), TINY, [0, 1, 2]);
    const b = referenceForward(randomGpt2Weights(TINY, 5, 0.2, ''), TINY, [0, 1, 2]);
    expect(b.map((r) => Array.from(r))).toEqual(a.map((r) => Array.from(r)));
  });

  it('names the missing or misshapen weight', () => {
    const w = randomGpt2Weights(TINY, 1);
    w.delete('transformer.h.0.mlp.c_fc.bias');
    expect(() => referenceForward(w, TINY, [0])).toThrow(/h\.0\.mlp\.c_fc\.bias/);
    const v = randomGpt2Weights(TINY, 1);
    v.set('transformer.ln_f.weight', new Float32Array(3));
    expect(() => referenceForward(v, TINY, [0])).toThrow(/ln_f\.weight has 3 values/);
    expect(() => referenceForward(randomGpt2Weights(TINY, 1), TINY, [5])).toThrow(/outside the vocabulary/);
  });
});
