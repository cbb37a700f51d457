/**
 * The Kaituhi decoder graph: GPT-2 laid out so that a decode step moves only what it must.
 *
 * The K/V cache lives in JavaScript-owned buffers, position-major, so that the first T positions of a
 * buffer are one contiguous range that is handed to ORT as a zero-copy view:
 *   ctx_key.L / ctx_value.L   [Tc, H, D]      the shared context (prefix cache), batch-independent
 *   gen_key.L / gen_value.L   [Tg, B*H, D]    each candidate's own generated tokens
 * The graph reads the past with strided batched GEMMs (FusedMatMul transBatchB), never concatenating
 * it, and outputs only the new positions' K/V (new_key.L [S, B, H, D]), which the caller points straight
 * at the next free slot of the right buffer (a preallocated output), so nothing is copied in JS.
 * All B candidates' queries meet the shared context in one GEMM, so N candidates read it once.
 * Logits are computed for the last position only: prefill skips the LM head for every other position.
 *
 * ORT's CPU FusedMatMul crashes (SIGFPE) on a zero-length operand, so an empty cache is passed as one
 * row of zeros with an additive score bias of -1e9 (ctx_bias [Tc], gen_bias [Tg]); real rows get 0.
 */
import type { Gpt2Weights, LayerWeights } from '../formats/gpt2-checkpoint.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { floatConstant, isBlockQuantized, linear, type BlockQuantized, type LinearWeight, type WeightPrecision } from './weights.js';

export const KAITUHI_GRAPH_VERSION = 3;

type LinearName = 'attnWeight' | 'attnProjWeight' | 'fcWeight' | 'fcProjWeight';

/** A layer whose linear weights may arrive already in blocks (an export's own int8 or 4-bit weights). */
export type GraphLayerWeights = Omit<LayerWeights, LinearName> & Readonly<Record<LinearName, LinearWeight>>;

/**
 * What the graph is built from: a checkpoint's weights, or an export's mapped onto GPT-2's tensors. Float linear
 * weights are stored at the graph's precision; blocks enter as they are.
 */
export interface GraphWeights extends Omit<Gpt2Weights, 'layers'> {
  readonly layers: readonly GraphLayerWeights[];
  /** An LM head of the export's own ([C, V] floats, or blocks with N = V); absent when it is tied to wte. */
  readonly head?: LinearWeight;
}

const asLinear = (w: LinearWeight): { kn: Float32Array } | { blocks: BlockQuantized } => (isBlockQuantized(w) ? { blocks: w } : { kn: w });

export const kaituhiNames = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  logits: 'logits',
  ctxKey: (l: number) => `ctx_key.${l}`,
  ctxValue: (l: number) => `ctx_value.${l}`,
  genKey: (l: number) => `gen_key.${l}`,
  genValue: (l: number) => `gen_value.${l}`,
  ctxBias: 'ctx_bias',
  genBias: 'gen_bias',
  /** [1, S, B, H, D]: the leading 1 spares a Squeeze node; callers size their output views to match. */
  newKey: (l: number) => `new_key.${l}`,
  newValue: (l: number) => `new_value.${l}`,
};

const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * The residual stream is kept 2-D, [B*S, C], so every linear layer is a single Gemm (or MatMulNBits) with
 * its bias fused, and each residual add is folded into a SkipLayerNormalization with the next layer norm.
 * Every size the attention needs is computed once, before the first layer.
 */
export function buildKaituhiGraph(weights: GraphWeights, precision: WeightPrecision): GraphBuilder {
  const { config } = weights;
  const C = config.nEmbd;
  const H = config.nHead;
  const D = C / H;
  const V = config.vocabSize;
  const g = new GraphBuilder(`kaituhi-gpt2-${config.nLayer}x${C}-${precision}`);
  const n = kaituhiNames;
  const eps = { float: config.layerNormEpsilon };

  const inputIds = g.input(n.inputIds, 'int64', ['batch', 'seq']);
  const positionIds = g.input(n.positionIds, 'int64', ['seq']);
  const ctxBias = g.input(n.ctxBias, 'float32', ['ctx']);
  const genBias = g.input(n.genBias, 'float32', ['gen']);

  const c = (values: number[]): string => g.constInt64(values);
  const concat = (parts: string[]): string => g.op('Concat', parts, { axis: 0 });
  const idsShape = g.op('Shape', [inputIds]);
  const B = g.op('Slice', [idsShape, c([0]), c([1])]);
  const S = g.op('Slice', [idsShape, c([1]), c([2])]);
  const BS = g.op('Mul', [B, S]);
  const BH = g.op('Mul', [B, c([H])]);
  const ctxLen = g.op('Shape', [ctxBias]);
  const genLen = g.op('Shape', [genBias]);
  const shape = {
    qkv5: concat([idsShape, c([3, H, D])]),
    hDBs: concat([c([H]), c([D]), BS]),
    hAnyBS: concat([c([H]), c([-1]), B, S]),
    hBsAny: concat([c([H]), BS, c([-1])]),
    hBSD: concat([c([H]), B, S, c([D])]),
    bhSD: concat([BH, S, c([D])]),
    bhDS: concat([BH, c([D]), S]),
    bhSAny: concat([BH, S, c([-1])]),
    bHSAny: concat([B, c([H]), S, c([-1])]),
    bHSD: concat([B, c([H]), S, c([D])]),
    bsC: concat([BS, c([C])]),
  };
  const splitSizes = concat([ctxLen, genLen, S]);

  // Causal mask among the S new positions: [S, S], 0 on and below the diagonal.
  const range = g.op('Range', [
    g.initializer(g.fresh('zero'), scalarInt64(0)),
    g.op('Squeeze', [S, c([0])]),
    g.initializer(g.fresh('one'), scalarInt64(1)),
  ]);
  const later = g.op('Greater', [g.op('Unsqueeze', [range, c([0])]), g.op('Unsqueeze', [range, c([1])])]);
  const causalMask = g.op('Where', [later, g.constFloat([-1e9], []), g.constFloat([0], [])]);

  const wte = g.initializer('wte', { type: 'float32', dims: [V, C], bytes: bytesOf(weights.wte) });
  const wpe = floatConstant(g, 'wpe', weights.wpe, [config.nPositions, C], 'fp32');
  const embedded = g.op('Add', [g.op('Gather', [wte, inputIds]), g.op('Gather', [wpe, positionIds])]);
  let residual = g.op('Reshape', [embedded, shape.bsC]);

  const vector = (name: string, data: Float32Array): string => floatConstant(g, name, data, [data.length], 'fp32');
  const layerNorm = (x: string, name: string, w: Float32Array, b: Float32Array): string =>
    g.op('LayerNormalization', [x, vector(`${name}.weight`, w), vector(`${name}.bias`, b)], { axis: -1, epsilon: eps });
  /** residual + delta + bias, then layer norm: returns [normalised, new residual]. */
  const skipLayerNorm = (
    x: string,
    delta: string,
    bias: Float32Array,
    name: string,
    w: Float32Array,
    b: Float32Array,
  ): [string, string] => {
    const [normed, , , sum] = g.node(
      'SkipLayerNormalization',
      [x, delta, vector(`${name}.weight`, w), vector(`${name}.beta`, b), vector(`${name}.skip_bias`, bias)],
      {
        outputs: 4,
        attrs: { epsilon: eps },
        domain: 'com.microsoft',
      },
    );
    return [normed!, sum!];
  };

  let h1 = layerNorm(residual, 'h.0.ln_1', weights.layers[0]!.ln1Weight, weights.layers[0]!.ln1Bias);
  let pendingDelta: { delta: string; bias: Float32Array } | null = null;
  const scale = 1 / Math.sqrt(D);
  for (let l = 0; l < config.nLayer; l++) {
    const w = weights.layers[l]!;
    const p = `h.${l}`;
    if (pendingDelta) [h1, residual] = skipLayerNorm(residual, pendingDelta.delta, pendingDelta.bias, `${p}.ln_1`, w.ln1Weight, w.ln1Bias);
    const ctxKey = g.input(n.ctxKey(l), 'float32', ['ctx', H, D]);
    const ctxValue = g.input(n.ctxValue(l), 'float32', ['ctx', H, D]);
    const genKey = g.input(n.genKey(l), 'float32', ['gen', 'batch_heads', D]);
    const genValue = g.input(n.genValue(l), 'float32', ['gen', 'batch_heads', D]);

    // The softmax scale is folded into the query weights: one multiply fewer per layer and step.
    const { weight: qkvW, bias: qkvB } = scaleQueryColumns(w.attnWeight, w.attnBias, C, scale);
    const qkv = linear(g, h1, `${p}.attn.c_attn`, asLinear(qkvW), C, 3 * C, qkvB, precision, { rank2: true });
    const qkvT = g.op('Transpose', [g.op('Reshape', [qkv, shape.qkv5])], { perm: [2, 1, 0, 3, 4] });
    const [q] = g.node('Split', [qkvT], { outputs: [g.fresh('q'), n.newKey(l), n.newValue(l)], attrs: { axis: 0 } }) as [string];
    const kNew = n.newKey(l);
    const vNew = n.newValue(l);

    // Scores against the shared context: all B*S queries of a head in one GEMM over [Tc, H, D], written as
    // K · Qᵀ so the large operand streams row by row as A (measured faster than Q · Kᵀ at M = 1 and 3).
    const qT = g.op('Reshape', [g.op('Transpose', [q], { perm: [0, 3, 4, 2, 1] }), shape.hDBs]);
    const ctxScoresT = g.op('FusedMatMul', [ctxKey, qT], { transBatchA: 1 }, 'com.microsoft');
    const ctxScoresBh = g.op('Reshape', [
      g.op('Transpose', [g.op('Reshape', [ctxScoresT, shape.hAnyBS])], { perm: [2, 0, 3, 1] }),
      shape.bhSAny,
    ]);
    const ctxScores = g.op('Add', [ctxScoresBh, ctxBias]);
    // Scores against each candidate's own generated tokens, and among the new positions (causal).
    const qBh = g.op('Reshape', [g.op('Transpose', [q], { perm: [0, 2, 3, 1, 4] }), shape.bhSD]);
    const genScores = g.op('Add', [g.op('FusedMatMul', [qBh, genKey], { transB: 1, transBatchB: 1 }, 'com.microsoft'), genBias]);
    const kBhT = g.op('Reshape', [g.op('Transpose', [kNew], { perm: [0, 2, 3, 4, 1] }), shape.bhDS]);
    const newScores = g.op('Add', [g.op('MatMul', [qBh, kBhT]), causalMask]);

    const probs = g.op('Softmax', [g.op('Concat', [ctxScores, genScores, newScores], { axis: 2 })], { axis: -1 });
    const [pCtx, pGen, pNew] = g.node('Split', [probs, splitSizes], { outputs: 3, attrs: { axis: 2 } }) as [string, string, string];

    const pCtxHeads = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [pCtx, shape.bHSAny])], { perm: [1, 0, 2, 3] }), shape.hBsAny]);
    const outCtx = g.op('FusedMatMul', [pCtxHeads, ctxValue], { transBatchB: 1 }, 'com.microsoft');
    const outCtxBshd = g.op('Transpose', [g.op('Reshape', [outCtx, shape.hBSD])], { perm: [1, 2, 0, 3] });
    const outGen = g.op('FusedMatMul', [pGen, genValue], { transBatchB: 1 }, 'com.microsoft');
    const vBh = g.op('Reshape', [g.op('Transpose', [vNew], { perm: [0, 2, 3, 1, 4] }), shape.bhSD]);
    const outOwn = g.op('Add', [outGen, g.op('MatMul', [pNew, vBh])]);
    const outOwnBshd = g.op('Transpose', [g.op('Reshape', [outOwn, shape.bHSD])], { perm: [0, 2, 1, 3] });
    const attnOut = g.op('Reshape', [g.op('Add', [outCtxBshd, outOwnBshd]), shape.bsC]);

    const attnProj = linear(g, attnOut, `${p}.attn.c_proj`, asLinear(w.attnProjWeight), C, C, null, precision, { rank2: true });
    const [h2, mid] = skipLayerNorm(residual, attnProj, w.attnProjBias, `${p}.ln_2`, w.ln2Weight, w.ln2Bias);
    residual = mid;
    const fc = linear(g, h2, `${p}.mlp.c_fc`, asLinear(w.fcWeight), C, 4 * C, w.fcBias, precision, { rank2: true });
    // FastGelu is exactly GPT-2's tanh GELU.
    const act = g.op('FastGelu', [fc], {}, 'com.microsoft');
    pendingDelta = {
      delta: linear(g, act, `${p}.mlp.c_proj`, asLinear(w.fcProjWeight), 4 * C, C, null, precision, { rank2: true }),
      bias: w.fcProjBias,
    };
  }

  const [hf] = skipLayerNorm(residual, pendingDelta!.delta, pendingDelta!.bias, 'ln_f', weights.lnfWeight, weights.lnfBias);
  // Only the last position of each candidate reaches the LM head: prefill skips it for all the others.
  const last = g.op('Reshape', [
    g.op('Slice', [g.op('Reshape', [hf, concat([B, S, c([C])])]), c([-1]), c([INT64_MAX]), c([1])]),
    c([0, C]),
  ]);
  // The tied head reads wte [V, C] in place (Gemm transB); quantized graphs keep their own packed copy.
  const logits = weights.head
    ? linear(g, last, 'lm_head', asLinear(weights.head), C, V, null, precision, { rank2: true })
    : precision === 'int8' || precision === 'q4'
      ? linear(g, last, 'lm_head', { nk: weights.wte }, C, V, null, precision)
      : g.op('Gemm', [last, wte], { transB: 1 });
  g.node('Identity', [logits], { outputs: [n.logits] });

  g.output(n.logits, 'float32', ['batch', V]);
  for (let l = 0; l < config.nLayer; l++) {
    g.output(n.newKey(l), 'float32', [1, 'seq', 'batch', H, D]);
    g.output(n.newValue(l), 'float32', [1, 'seq', 'batch', H, D]);
  }
  return g;
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function scalarInt64(v: number): { type: 'int64'; dims: number[]; bytes: Uint8Array } {
  return { type: 'int64', dims: [], bytes: new Uint8Array(new BigInt64Array([BigInt(v)]).buffer) };
}

/** The query's output channels are the first C of c_attn's 3C; blocks scale their per-block scales instead. */
function scaleQueryColumns(
  weight: LinearWeight,
  bias: Float32Array,
  C: number,
  scale: number,
): { weight: LinearWeight; bias: Float32Array } {
  const b = Float32Array.from(bias);
  for (let c = 0; c < C; c++) b[c]! *= scale;
  if (isBlockQuantized(weight)) {
    const scales = Float32Array.from(weight.scales);
    const perRow = scales.length / weight.n;
    for (let i = 0; i < C * perRow; i++) scales[i]! *= scale;
    return { weight: { ...weight, scales }, bias: b };
  }
  const w = Float32Array.from(weight);
  for (let r = 0; r < C; r++) for (let c = 0; c < C; c++) w[r * 3 * C + c]! *= scale;
  return { weight: w, bias: b };
}
