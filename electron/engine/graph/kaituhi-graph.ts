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
import type { Gpt2Weights } from '../formats/gpt2-checkpoint.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { floatConstant, linear, type WeightPrecision } from './weights.js';

export const KAITUHI_GRAPH_VERSION = 1;

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
  newKey: (l: number) => `new_key.${l}`,
  newValue: (l: number) => `new_value.${l}`,
};

const INT64_MAX = Number.MAX_SAFE_INTEGER;

export function buildKaituhiGraph(weights: Gpt2Weights, precision: WeightPrecision): GraphBuilder {
  const { config } = weights;
  const C = config.nEmbd;
  const H = config.nHead;
  const D = C / H;
  const V = config.vocabSize;
  const g = new GraphBuilder(`kaituhi-gpt2-${config.nLayer}x${C}-${precision}`);
  const n = kaituhiNames;

  const inputIds = g.input(n.inputIds, 'int64', ['batch', 'seq']);
  const positionIds = g.input(n.positionIds, 'int64', ['seq']);
  const ctxBias = g.input(n.ctxBias, 'float32', ['ctx']);
  const genBias = g.input(n.genBias, 'float32', ['gen']);

  // Dynamic sizes, computed once and shared by every layer.
  const idsShape = g.op('Shape', [inputIds]);
  const batch = g.op('Slice', [idsShape, g.constInt64([0]), g.constInt64([1])]);
  const seq = g.op('Slice', [idsShape, g.constInt64([1]), g.constInt64([2])]);
  const cH = g.constInt64([H]);
  const cD = g.constInt64([D]);
  const cMinus1 = g.constInt64([-1]);
  const batchTimesSeq = g.op('Mul', [batch, seq]);
  const batchTimesHeads = g.op('Mul', [batch, cH]);
  const shapeQ4 = g.constInt64([0, 0, H, D]);
  const shapeHeadsBs = g.op('Concat', [cH, batchTimesSeq, cD], { axis: 0 });
  const shapeBhSD = g.op('Concat', [batchTimesHeads, seq, cD], { axis: 0 });
  const shapeHBSminus1 = g.op('Concat', [cH, batch, seq, cMinus1], { axis: 0 });
  const shapeBHSminus1 = g.op('Concat', [batch, cH, seq, cMinus1], { axis: 0 });
  const shapeHBSD = g.op('Concat', [cH, batch, seq, cD], { axis: 0 });
  const shapeBHSD = g.op('Concat', [batch, cH, seq, cD], { axis: 0 });
  const shapeBSC = g.constInt64([0, 0, C]);

  // Causal mask among the S new positions: [S, S], 0 on and below the diagonal.
  const seqScalar = g.op('Squeeze', [seq, g.constInt64([0])]);
  const range = g.op('Range', [g.initializer(g.fresh('zero'), scalarInt64(0)), seqScalar, g.initializer(g.fresh('one'), scalarInt64(1))]);
  const later = g.op('Greater', [g.op('Unsqueeze', [range, g.constInt64([0])]), g.op('Unsqueeze', [range, g.constInt64([1])])]);
  const causalMask = g.op('Where', [later, g.constFloat([-1e9], []), g.constFloat([0], [])]);

  const wte = g.initializer('wte', { type: 'float32', dims: [V, C], bytes: bytesOf(weights.wte) });
  const wpe = floatConstant(g, 'wpe', weights.wpe, [config.nPositions, C], 'fp32');
  let x = g.op('Add', [g.op('Gather', [wte, inputIds]), g.op('Gather', [wpe, positionIds])]);

  const layerNorm = (input: string, name: string, w: Float32Array, b: Float32Array): string =>
    g.op('LayerNormalization', [input, floatConstant(g, `${name}.weight`, w, [C], 'fp32'), floatConstant(g, `${name}.bias`, b, [C], 'fp32')], {
      axis: -1,
      epsilon: { float: config.layerNormEpsilon },
    });

  const scale = 1 / Math.sqrt(D);
  for (let l = 0; l < config.nLayer; l++) {
    const w = weights.layers[l]!;
    const p = `h.${l}`;
    const ctxKey = g.input(n.ctxKey(l), 'float32', ['ctx', H, D]);
    const ctxValue = g.input(n.ctxValue(l), 'float32', ['ctx', H, D]);
    const genKey = g.input(n.genKey(l), 'float32', ['gen', 'batch_heads', D]);
    const genValue = g.input(n.genValue(l), 'float32', ['gen', 'batch_heads', D]);

    const h1 = layerNorm(x, `${p}.ln_1`, w.ln1Weight, w.ln1Bias);
    // The softmax scale is folded into the query weights: one multiply fewer per layer and step.
    const { weight: qkvW, bias: qkvB } = scaleQueryColumns(w.attnWeight, w.attnBias, C, scale);
    const qkv = linear(g, h1, `${p}.attn.c_attn`, { kn: qkvW }, C, 3 * C, qkvB, precision);
    const [q, k, v] = g.node('Split', [qkv, g.constInt64([C, C, C])], { outputs: 3, attrs: { axis: 2 } }) as [string, string, string];
    const q4 = g.op('Reshape', [q, shapeQ4]);
    const k4 = g.op('Reshape', [k, shapeQ4]);
    const v4 = g.op('Reshape', [v, shapeQ4]);
    g.node('Transpose', [k4], { outputs: [n.newKey(l)], attrs: { perm: [1, 0, 2, 3] } });
    g.node('Transpose', [v4], { outputs: [n.newValue(l)], attrs: { perm: [1, 0, 2, 3] } });

    // Scores against the shared context: all B*S queries of a head in one GEMM over [Tc, H, D].
    const qHeads = g.op('Reshape', [g.op('Transpose', [q4], { perm: [2, 0, 1, 3] }), shapeHeadsBs]);
    const ctxScores = g.op('FusedMatMul', [qHeads, ctxKey], { transB: 1, transBatchB: 1 }, 'com.microsoft');
    const ctxScoresB = g.op('Add', [g.op('Transpose', [g.op('Reshape', [ctxScores, shapeHBSminus1])], { perm: [1, 0, 2, 3] }), ctxBias]);
    // Scores against each candidate's own generated tokens.
    const qBh = g.op('Transpose', [q4], { perm: [0, 2, 1, 3] });
    const genScores = g.op('FusedMatMul', [g.op('Reshape', [qBh, shapeBhSD]), genKey], { transB: 1, transBatchB: 1 }, 'com.microsoft');
    const genScoresB = g.op('Add', [g.op('Reshape', [genScores, shapeBHSminus1]), genBias]);
    // Scores among the new positions, causal.
    const kBhT = g.op('Transpose', [k4], { perm: [0, 2, 3, 1] });
    const newScores = g.op('Add', [g.op('MatMul', [qBh, kBhT]), causalMask]);

    const probs = g.op('Softmax', [g.op('Concat', [ctxScoresB, genScoresB, newScores], { axis: 3 })], { axis: -1 });
    const ctxLen = g.op('Slice', [g.op('Shape', [ctxKey]), g.constInt64([0]), g.constInt64([1])]);
    const genLen = g.op('Slice', [g.op('Shape', [genKey]), g.constInt64([0]), g.constInt64([1])]);
    const pastLen = g.op('Add', [ctxLen, genLen]);
    const axis3 = g.constInt64([3]);
    const pCtx = g.op('Slice', [probs, g.constInt64([0]), ctxLen, axis3]);
    const pGen = g.op('Slice', [probs, ctxLen, pastLen, axis3]);
    const pNew = g.op('Slice', [probs, pastLen, g.constInt64([INT64_MAX]), axis3]);

    const pCtxHeads = g.op('Reshape', [g.op('Transpose', [pCtx], { perm: [1, 0, 2, 3] }), g.op('Concat', [cH, batchTimesSeq, ctxLen], { axis: 0 })]);
    const outCtx = g.op('FusedMatMul', [pCtxHeads, ctxValue], { transBatchB: 1 }, 'com.microsoft');
    const outCtxBshd = g.op('Transpose', [g.op('Reshape', [outCtx, shapeHBSD])], { perm: [1, 2, 0, 3] });
    const pGenBh = g.op('Reshape', [pGen, g.op('Concat', [batchTimesHeads, seq, genLen], { axis: 0 })]);
    const outGen = g.op('Reshape', [g.op('FusedMatMul', [pGenBh, genValue], { transBatchB: 1 }, 'com.microsoft'), shapeBHSD]);
    const vBh = g.op('Transpose', [v4], { perm: [0, 2, 1, 3] });
    const outNew = g.op('MatMul', [pNew, vBh]);
    const outBhsd = g.op('Add', [outGen, outNew]);
    const attnOut = g.op('Reshape', [g.op('Add', [outCtxBshd, g.op('Transpose', [outBhsd], { perm: [0, 2, 1, 3] })]), shapeBSC]);

    x = g.op('Add', [x, linear(g, attnOut, `${p}.attn.c_proj`, { kn: w.attnProjWeight }, C, C, w.attnProjBias, precision)]);
    const h2 = layerNorm(x, `${p}.ln_2`, w.ln2Weight, w.ln2Bias);
    const fc = linear(g, h2, `${p}.mlp.c_fc`, { kn: w.fcWeight }, C, 4 * C, null, precision);
    // FastGelu is exactly GPT-2's tanh GELU, with the bias add fused in.
    const act = g.op('FastGelu', [fc, floatConstant(g, `${p}.mlp.c_fc.bias`, w.fcBias, [4 * C], 'fp32')], {}, 'com.microsoft');
    x = g.op('Add', [x, linear(g, act, `${p}.mlp.c_proj`, { kn: w.fcProjWeight }, 4 * C, C, w.fcProjBias, precision)]);
  }

  const last = g.op('Reshape', [g.op('Slice', [x, cMinus1, g.constInt64([INT64_MAX]), g.constInt64([1])]), g.constInt64([0, C])]);
  const hf = layerNorm(last, 'ln_f', weights.lnfWeight, weights.lnfBias);
  // The tied head reads wte [V, C] in place (Gemm transB); quantized graphs keep their own packed copy.
  const logits = precision === 'int8' || precision === 'q4'
    ? linear(g, hf, 'lm_head', { nk: weights.wte }, C, V, null, precision)
    : g.op('Gemm', [hf, wte], { transB: 1 });
  g.node('Identity', [logits], { outputs: [n.logits] });

  g.output(n.logits, 'float32', ['batch', V]);
  for (let l = 0; l < config.nLayer; l++) {
    g.output(n.newKey(l), 'float32', ['seq', 'batch', H, D]);
    g.output(n.newValue(l), 'float32', ['seq', 'batch', H, D]);
  }
  return g;
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function scalarInt64(v: number): { type: 'int64'; dims: number[]; bytes: Uint8Array } {
  return { type: 'int64', dims: [], bytes: new Uint8Array(new BigInt64Array([BigInt(v)]).buffer) };
}

function scaleQueryColumns(weight: Float32Array, bias: Float32Array, C: number, scale: number): { weight: Float32Array; bias: Float32Array } {
  const w = Float32Array.from(weight);
  const b = Float32Array.from(bias);
  for (let r = 0; r < C; r++) for (let c = 0; c < C; c++) w[r * 3 * C + c]! *= scale;
  for (let c = 0; c < C; c++) b[c]! *= scale;
  return { weight: w, bias: b };
}
