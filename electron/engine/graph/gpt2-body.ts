/**
 * GPT-2's transformer body as Kaituhi builds it, shared by its graphs: embeddings, the blocks and the LM head for
 * the rows the caller names (input `logit_rows`); each graph brings its own attention (where the K/V cache lives
 * and how it is read).
 *
 * The residual stream is kept 2-D, [B*S, C], so every linear layer is a single Gemm (or MatMulNBits) with its
 * bias fused, and each residual add is folded into a SkipLayerNormalization with the next layer norm. The
 * softmax scale 1/sqrt(D) is folded into the query weights: an attention receives q already scaled.
 */
import type { Gpt2Weights, LayerWeights } from '../formats/gpt2-checkpoint.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { floatConstant, isBlockQuantized, linear, type BlockQuantized, type LinearWeight, type WeightPrecision } from './weights.js';

type LinearName = 'attnWeight' | 'attnProjWeight' | 'fcWeight' | 'fcProjWeight';

/** A layer whose linear weights may arrive already in blocks (an export's own int8 or 4-bit weights). */
export type GraphLayerWeights = Omit<LayerWeights, LinearName> & Readonly<Record<LinearName, LinearWeight>>;

/**
 * What a graph is built from: a checkpoint's weights, or an export's mapped onto GPT-2's tensors. Float linear
 * weights are stored at the graph's precision; blocks enter as they are.
 */
export interface GraphWeights extends Omit<Gpt2Weights, 'layers'> {
  readonly layers: readonly GraphLayerWeights[];
  /** An LM head of the export's own ([C, V] floats, or blocks with N = V); absent when it is tied to wte. */
  readonly head?: LinearWeight;
}

/** Sizes of the batch, computed once from input_ids [B, S], as 1-element int64 tensors. */
export interface SequenceDims {
  readonly idsShape: string;
  readonly B: string;
  readonly S: string;
  readonly BS: string;
  /** An int64 constant vector. */
  c(values: number[]): string;
  /** Concatenates 1-D int64 tensors into a shape. */
  concat(parts: string[]): string;
}

export function sequenceDims(g: GraphBuilder, inputIds: string): SequenceDims {
  const c = (values: number[]): string => g.constInt64(values);
  const concat = (parts: string[]): string => g.op('Concat', parts, { axis: 0 });
  const idsShape = g.op('Shape', [inputIds]);
  const B = g.op('Slice', [idsShape, c([0]), c([1])]);
  const S = g.op('Slice', [idsShape, c([1]), c([2])]);
  return { idsShape, B, S, BS: g.op('Mul', [B, S]), c, concat };
}

/** Layer `layer`'s attention: q, k, v from qkv [B*S, 3C] (q pre-scaled), the attention output [B*S, C] back. */
export type Attention = (layer: number, qkv: string) => string;

/** The input that names the rows reaching the LM head: int64 [R], indices into the B*S rows (batch-major). */
export const LOGIT_ROWS = 'logit_rows';

/**
 * Embeddings, blocks and head: returns the logits [R, V] of the rows `logit_rows` names. A decode step or a
 * prefill names each sequence's last position (prefill then skips the head for all the others); scoring a text
 * names every position it needs.
 */
export function gpt2Body(
  g: GraphBuilder,
  weights: GraphWeights,
  precision: WeightPrecision,
  io: { inputIds: string; positionIds: string; dims: SequenceDims },
  attention: Attention,
): string {
  const { config } = weights;
  const C = config.nEmbd;
  const H = config.nHead;
  const D = C / H;
  const V = config.vocabSize;
  const { BS, c, concat } = io.dims;
  const eps = { float: config.layerNormEpsilon };

  const wte = g.initializer('wte', { type: 'float32', dims: [V, C], bytes: bytesOf(weights.wte) });
  const wpe = floatConstant(g, 'wpe', weights.wpe, [config.nPositions, C], 'fp32');
  const embedded = g.op('Add', [g.op('Gather', [wte, io.inputIds]), g.op('Gather', [wpe, io.positionIds])]);
  let residual = g.op('Reshape', [embedded, concat([BS, c([C])])]);

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
    // The softmax scale is folded into the query weights: one multiply fewer per layer and step.
    const { weight: qkvW, bias: qkvB } = scaleQueryColumns(w.attnWeight, w.attnBias, C, scale);
    const qkv = linear(g, h1, `${p}.attn.c_attn`, asLinear(qkvW), C, 3 * C, qkvB, precision, { rank2: true });
    const attnOut = attention(l, qkv);
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
  // Only the rows the caller names reach the LM head ([V, C] per row: most of a decode step's work on a small model).
  const last = g.op('Gather', [hf, g.input(LOGIT_ROWS, 'int64', ['rows'])], { axis: 0 });
  // The tied head reads wte [V, C] in place (Gemm transB); quantized graphs keep their own packed copy.
  return weights.head
    ? linear(g, last, 'lm_head', asLinear(weights.head), C, V, null, precision, { rank2: true })
    : precision === 'int8' || precision === 'q4'
      ? linear(g, last, 'lm_head', { nk: weights.wte }, C, V, null, precision)
      : g.op('Gemm', [last, wte], { transB: 1 });
}

function asLinear(w: LinearWeight): { kn: Float32Array } | { blocks: BlockQuantized } {
  return isBlockQuantized(w) ? { blocks: w } : { kn: w };
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
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
