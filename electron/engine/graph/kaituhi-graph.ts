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
 * Logits are computed only for the rows `logit_rows` names (gpt2-body.ts): each sequence's last position for a
 * decode step or a prefill, every scored position when a text is scored.
 *
 * ORT's CPU FusedMatMul crashes (SIGFPE) on a zero-length operand, so an empty cache is passed as one
 * row of zeros with an additive score bias of -1e9 (ctx_bias [Tc], gen_bias [Tg]); real rows get 0.
 */
import { GraphBuilder } from '../onnx/graph-builder.js';
import { gpt2Body, LOGIT_ROWS, sequenceDims, type GraphWeights } from './gpt2-body.js';
import type { WeightPrecision } from './weights.js';

/** 4: the LM head reads the rows `logit_rows` names (was: the last position of each sequence). */
export const KAITUHI_GRAPH_VERSION = 4;

export const kaituhiNames = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  logitRows: LOGIT_ROWS,
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

/** Kaituhi's attention over the position-major context and generation caches (see the file comment). */
export function buildKaituhiGraph(weights: GraphWeights, precision: WeightPrecision): GraphBuilder {
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

  const dims = sequenceDims(g, inputIds);
  const { idsShape, B, S, BS, c, concat } = dims;
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

  const attention = (l: number, qkv: string): string => {
    const ctxKey = g.input(n.ctxKey(l), 'float32', ['ctx', H, D]);
    const ctxValue = g.input(n.ctxValue(l), 'float32', ['ctx', H, D]);
    const genKey = g.input(n.genKey(l), 'float32', ['gen', 'batch_heads', D]);
    const genValue = g.input(n.genValue(l), 'float32', ['gen', 'batch_heads', D]);
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
    return g.op('Reshape', [g.op('Add', [outCtxBshd, outOwnBshd]), shape.bsC]);
  };

  const logits = gpt2Body(g, weights, precision, { inputIds, positionIds, dims }, attention);
  g.node('Identity', [logits], { outputs: [n.logits] });
  g.output(n.logits, 'float32', ['rows', V]);
  for (let l = 0; l < config.nLayer; l++) {
    g.output(n.newKey(l), 'float32', [1, 'seq', 'batch', H, D]);
    g.output(n.newValue(l), 'float32', [1, 'seq', 'batch', H, D]);
  }
  return g;
}

function scalarInt64(v: number): { type: 'int64'; dims: number[]; bytes: Uint8Array } {
  return { type: 'int64', dims: [], bytes: new Uint8Array(new BigInt64Array([BigInt(v)]).buffer) };
}
