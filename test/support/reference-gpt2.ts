/**
 * A float64 GPT-2 forward pass written as plainly as possible, to check the ONNX graphs we build against.
 * Slow on purpose: no caching, no batching, every position recomputed, so there is little to get wrong.
 */

export interface Gpt2RefConfig {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  vocabSize: number;
  nPositions: number;
  layerNormEpsilon: number;
}

type Weights = ReadonlyMap<string, Float32Array>;

function tensor(weights: Weights, name: string, length: number): Float32Array {
  const t = weights.get(`transformer.${name}`) ?? weights.get(name);
  if (!t) throw new Error(`reference GPT-2: missing weight ${name} (with or without the 'transformer.' prefix)`);
  if (t.length !== length) throw new Error(`reference GPT-2: ${name} has ${t.length} values, expected ${length}`);
  return t;
}

export function layerNorm(x: Float64Array, gamma: Float32Array, beta: Float32Array, eps: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i]! - mean) ** 2;
  variance /= n;
  const inv = 1 / Math.sqrt(variance + eps);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i]! - mean) * inv * gamma[i]! + beta[i]!;
  return out;
}

/** Hugging Face Conv1D: weight stored [in, out], y = x W + b. */
export function conv1d(x: Float64Array, weight: Float32Array, bias: Float32Array, nIn: number, nOut: number): Float64Array {
  const out = new Float64Array(nOut);
  for (let j = 0; j < nOut; j++) out[j] = bias[j]!;
  for (let i = 0; i < nIn; i++) {
    const xi = x[i]!;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) out[j] = out[j]! + xi * weight[row + j]!;
  }
  return out;
}

/** 'gelu_new': the tanh approximation GPT-2 was trained with. */
export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/**
 * Logits for every position of `ids` (causal, so position i sees ids[0..i]); with `logitsAt`, only for those
 * positions (the others get an empty array): the head is most of the work on a long input.
 */
export function referenceForward(
  weights: Weights,
  config: Gpt2RefConfig,
  ids: readonly number[],
  logitsAt?: ReadonlySet<number>,
): Float64Array[] {
  const { nLayer, nHead, nEmbd: C, vocabSize, nPositions, layerNormEpsilon: eps } = config;
  if (C % nHead !== 0) throw new Error(`reference GPT-2: nEmbd ${C} is not a multiple of nHead ${nHead}`);
  if (ids.length > nPositions) throw new Error(`reference GPT-2: ${ids.length} tokens exceed nPositions ${nPositions}`);
  const headDim = C / nHead;
  const wte = tensor(weights, 'wte.weight', vocabSize * C);
  const wpe = tensor(weights, 'wpe.weight', nPositions * C);

  let hidden: Float64Array[] = ids.map((id, pos) => {
    if (!(id >= 0 && id < vocabSize)) throw new Error(`reference GPT-2: token id ${id} outside the vocabulary`);
    const h = new Float64Array(C);
    for (let c = 0; c < C; c++) h[c] = wte[id * C + c]! + wpe[pos * C + c]!;
    return h;
  });

  for (let layer = 0; layer < nLayer; layer++) {
    const p = `h.${layer}.`;
    const ln1g = tensor(weights, `${p}ln_1.weight`, C);
    const ln1b = tensor(weights, `${p}ln_1.bias`, C);
    const attnW = tensor(weights, `${p}attn.c_attn.weight`, C * 3 * C);
    const attnB = tensor(weights, `${p}attn.c_attn.bias`, 3 * C);
    const projW = tensor(weights, `${p}attn.c_proj.weight`, C * C);
    const projB = tensor(weights, `${p}attn.c_proj.bias`, C);
    const ln2g = tensor(weights, `${p}ln_2.weight`, C);
    const ln2b = tensor(weights, `${p}ln_2.bias`, C);
    const fcW = tensor(weights, `${p}mlp.c_fc.weight`, C * 4 * C);
    const fcB = tensor(weights, `${p}mlp.c_fc.bias`, 4 * C);
    const mprojW = tensor(weights, `${p}mlp.c_proj.weight`, 4 * C * C);
    const mprojB = tensor(weights, `${p}mlp.c_proj.bias`, C);

    // qkv[t] = [q | k | v], each C wide; head h uses columns h*headDim .. (h+1)*headDim of each.
    const qkv = hidden.map((h) => conv1d(layerNorm(h, ln1g, ln1b, eps), attnW, attnB, C, 3 * C));
    const attended = hidden.map((_, t) => {
      const out = new Float64Array(C);
      for (let head = 0; head < nHead; head++) {
        const q0 = head * headDim;
        const k0 = C + head * headDim;
        const v0 = 2 * C + head * headDim;
        const scores = new Float64Array(t + 1);
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += qkv[t]![q0 + d]! * qkv[s]![k0 + d]!;
          scores[s] = dot / Math.sqrt(headDim);
          if (scores[s]! > max) max = scores[s]!;
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          scores[s] = Math.exp(scores[s]! - max);
          sum += scores[s]!;
        }
        for (let s = 0; s <= t; s++) {
          const a = scores[s]! / sum;
          for (let d = 0; d < headDim; d++) out[q0 + d] = out[q0 + d]! + a * qkv[s]![v0 + d]!;
        }
      }
      return out;
    });
    hidden = hidden.map((h, t) => {
      const afterAttn = conv1d(attended[t]!, projW, projB, C, C);
      const x = new Float64Array(C);
      for (let c = 0; c < C; c++) x[c] = h[c]! + afterAttn[c]!;
      const fc = conv1d(layerNorm(x, ln2g, ln2b, eps), fcW, fcB, C, 4 * C);
      for (let i = 0; i < fc.length; i++) fc[i] = geluNew(fc[i]!);
      const mlp = conv1d(fc, mprojW, mprojB, 4 * C, C);
      for (let c = 0; c < C; c++) x[c] = x[c]! + mlp[c]!;
      return x;
    });
  }

  const lnfg = tensor(weights, 'ln_f.weight', C);
  const lnfb = tensor(weights, 'ln_f.bias', C);
  // LM head tied to wte: logits[v] = h . wte[v].
  return hidden.map((h, t) => {
    if (logitsAt && !logitsAt.has(t)) return new Float64Array(0);
    const normed = layerNorm(h, lnfg, lnfb, eps);
    const logits = new Float64Array(vocabSize);
    for (let v = 0; v < vocabSize; v++) {
      let dot = 0;
      for (let c = 0; c < C; c++) dot += normed[c]! * wte[v * C + c]!;
      logits[v] = dot;
    }
    return logits;
  });
}

/**
 * Deterministic small random weights under the Hugging Face names, for tests that need a model without a file.
 * `scale` is the standard deviation-ish of the weights (GPT-2 initialises with 0.02).
 */
export function randomGpt2Weights(config: Gpt2RefConfig, seed = 1, scale = 0.2, prefix = 'transformer.'): Map<string, Float32Array> {
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: enough for test weights and independent of the engine's own PRNG.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296 - 0.5;
  };
  const C = config.nEmbd;
  const w = new Map<string, Float32Array>();
  const add = (name: string, length: number, base = 0): void => {
    w.set(
      prefix + name,
      Float32Array.from({ length }, () => base + 2 * scale * rand()),
    );
  };
  add('wte.weight', config.vocabSize * C);
  add('wpe.weight', config.nPositions * C);
  for (let l = 0; l < config.nLayer; l++) {
    const p = `h.${l}.`;
    add(`${p}ln_1.weight`, C, 1);
    add(`${p}ln_1.bias`, C);
    add(`${p}attn.c_attn.weight`, C * 3 * C);
    add(`${p}attn.c_attn.bias`, 3 * C);
    add(`${p}attn.c_proj.weight`, C * C);
    add(`${p}attn.c_proj.bias`, C);
    add(`${p}ln_2.weight`, C, 1);
    add(`${p}ln_2.bias`, C);
    add(`${p}mlp.c_fc.weight`, C * 4 * C);
    add(`${p}mlp.c_fc.bias`, 4 * C);
    add(`${p}mlp.c_proj.weight`, 4 * C * C);
    add(`${p}mlp.c_proj.bias`, C);
  }
  add('ln_f.weight', C, 1);
  add('ln_f.bias', C);
  return w;
}
