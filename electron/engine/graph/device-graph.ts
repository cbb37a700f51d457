/**
 * Kaituhi's graph for GPUs: the K/V cache stays where the execution provider keeps its outputs (a GPU buffer
 * under WebGPU, bound with preferredOutputLocation 'gpu-buffer'), and each step takes the previous step's
 * present as its past. The host never holds the cache, so every edit to it happens inside the graph:
 *   past_keep [1]   how many positions of the past to keep (the prefix-cache reuse after an edit);
 *   past_rows [B]   which row of the past each sequence continues (the context broadcast to N candidates at
 *                   the first step, finished candidates dropped later).
 *   past_key.L / past_value.L    [Bp, H, P, D]  head-major, the layout attention kernels read
 *   present_key.L / present_value.L [B, H, past_keep + S, D]
 * Only the logits of the rows `logit_rows` names (gpt2-body.ts), [R, V], come back to the host.
 */
import { GraphBuilder } from '../onnx/graph-builder.js';
import { gpt2Body, LOGIT_ROWS, sequenceDims, type GraphWeights } from './gpt2-body.js';
import type { WeightPrecision } from './weights.js';

/** 2: the LM head reads the rows `logit_rows` names (was: the last position of each sequence). */
export const DEVICE_GRAPH_VERSION = 2;

export const deviceNames = {
  inputIds: 'input_ids',
  positionIds: 'position_ids',
  pastKeep: 'past_keep',
  pastRows: 'past_rows',
  logitRows: LOGIT_ROWS,
  logits: 'logits',
  pastKey: (l: number) => `past_key.${l}`,
  pastValue: (l: number) => `past_value.${l}`,
  presentKey: (l: number) => `present_key.${l}`,
  presentValue: (l: number) => `present_value.${l}`,
};

export function buildDeviceGraph(weights: GraphWeights, precision: WeightPrecision): GraphBuilder {
  const { config } = weights;
  const C = config.nEmbd;
  const H = config.nHead;
  const D = C / H;
  const V = config.vocabSize;
  const g = new GraphBuilder(`kaituhi-device-gpt2-${config.nLayer}x${C}-${precision}`);
  const n = deviceNames;

  const inputIds = g.input(n.inputIds, 'int64', ['batch', 'seq']);
  const positionIds = g.input(n.positionIds, 'int64', ['seq']);
  const pastKeep = g.input(n.pastKeep, 'int64', [1]);
  const pastRows = g.input(n.pastRows, 'int64', ['batch']);
  const dims = sequenceDims(g, inputIds);
  const { idsShape, S, BS, c, concat } = dims;

  // Query i (of S) sees key j (of past_keep + S) when j <= past_keep + i: [S, T] additive mask, computed once.
  const zero = g.constInt64([0], []);
  const one = g.constInt64([1], []);
  const scalar = (t: string): string => g.op('Squeeze', [t, c([0])]);
  const total = g.op('Add', [pastKeep, S]);
  const rows = g.op('Add', [g.op('Range', [zero, scalar(S), one]), scalar(pastKeep)]);
  const cols = g.op('Range', [zero, scalar(total), one]);
  const hidden = g.op('Greater', [g.op('Unsqueeze', [cols, c([0])]), g.op('Unsqueeze', [rows, c([1])])]);
  const mask = g.op('Where', [hidden, g.constFloat([-1e9], []), g.constFloat([0], [])]);
  const qkv5 = concat([idsShape, c([3, H, D])]);
  const bsC = concat([BS, c([C])]);

  const attention = (l: number, qkv: string): string => {
    // [B*S, 3C] -> q, k, v [B, H, S, D]
    const heads = g.op('Transpose', [g.op('Reshape', [qkv, qkv5])], { perm: [2, 0, 3, 1, 4] });
    const [q, k, v] = g.node('Split', [heads], { outputs: 3, attrs: { axis: 0 } }).map((t) => g.op('Squeeze', [t, c([0])])) as [
      string,
      string,
      string,
    ];
    const past = (name: string): string => {
      const all = g.input(name, 'float32', ['past_batch', H, 'past', D]);
      return g.op('Gather', [g.op('Slice', [all, c([0]), pastKeep, c([2])]), pastRows], { axis: 0 });
    };
    g.node('Concat', [past(n.pastKey(l)), k], { outputs: [n.presentKey(l)], attrs: { axis: 2 } });
    g.node('Concat', [past(n.pastValue(l)), v], { outputs: [n.presentValue(l)], attrs: { axis: 2 } });
    // q is pre-scaled by 1/sqrt(D) (gpt2-body.ts).
    const scores = g.op('Add', [g.op('MatMul', [q, g.op('Transpose', [n.presentKey(l)], { perm: [0, 1, 3, 2] })]), mask]);
    const out = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), n.presentValue(l)]);
    return g.op('Reshape', [g.op('Transpose', [out], { perm: [0, 2, 1, 3] }), bsC]);
  };

  const logits = gpt2Body(g, weights, precision, { inputIds, positionIds, dims }, attention);
  g.node('Identity', [logits], { outputs: [n.logits] });
  g.output(n.logits, 'float32', ['rows', V]);
  for (let l = 0; l < config.nLayer; l++) {
    g.output(n.presentKey(l), 'float32', ['batch', H, 'total', D]);
    g.output(n.presentValue(l), 'float32', ['batch', H, 'total', D]);
  }
  return g;
}
