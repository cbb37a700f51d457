/**
 * Writes GPT-2 in the Hugging Face Optimum / Transformers.js ONNX layout: input_ids, attention_mask,
 * position_ids, past_key_values.L.key|value [B, H, P, D] in, logits [B, S, V] and present.L.key|value out.
 * Kaituhi maps an export's weights onto its own graph (or runs it as it is when they cannot be mapped); this
 * layout exists so that both paths, and the benchmark against Transformers.js, run on models generated here.
 * The export styles reproduce how published exports store their weights (see ExportStyle).
 */
import type { Gpt2Weights } from '../formats/gpt2-checkpoint.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { floatConstant, linear, transpose, type WeightPrecision } from './weights.js';

/** How a published export stores its weights; the defaults are what Transformers.js v3 publishes. */
export interface ExportStyle {
  /** torch's addmm as a Gemm on a 2-D view (Reshape, Gemm, Reshape), or MatMul then Add. Default 'matmul'. */
  readonly linear?: 'matmul' | 'gemm';
  /**
   * How an int8 export stores its weights. 'dynamic-int8': onnxruntime's dynamic quantization as Transformers.js
   * publishes it (MatMulInteger, int8 weights, one scale per tensor; embeddings through Gather + DequantizeLinear).
   * 'dynamic-uint8-per-channel': the same with uint8 weights and a scale and zero point per output channel (older
   * conversions). 'blocks': MatMulNBits, 8-bit blocks of 32. Default 'dynamic-int8'. Gemm stays float under
   * dynamic quantization, as onnxruntime's quantizer leaves it.
   */
  readonly int8?: 'dynamic-int8' | 'dynamic-uint8-per-channel' | 'blocks';
  /** The LM head as torch folds it, its own [C, V] initializer (default), or a MatMul with Transpose(wte). */
  readonly head?: 'folded' | 'transposed-wte';
}

interface DynamicWeight {
  readonly type: 'int8' | 'uint8';
  /** Element bytes in the weight's own layout. */
  readonly data: Uint8Array;
  readonly scales: Float32Array;
  readonly zeroPoints: Uint8Array;
  /** The axis the scales run along, or null for one scale per tensor. */
  readonly axis: number | null;
}

/**
 * onnxruntime's weight quantization: `int8` symmetric over the whole tensor (zero point 0), or `uint8`
 * asymmetric per column of a [rows, cols] matrix (the output channel of a MatMul's B).
 */
export function dynamicQuantize(data: Float32Array, rows: number, cols: number, type: 'int8' | 'uint8'): DynamicWeight {
  if (type === 'int8') {
    let amax = 0;
    for (let i = 0; i < data.length; i++) amax = Math.max(amax, Math.abs(data[i]!));
    const scale = amax / 127 || 1;
    const q = new Int8Array(data.length);
    for (let i = 0; i < data.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(data[i]! / scale)));
    return { type, data: new Uint8Array(q.buffer), scales: Float32Array.of(scale), zeroPoints: new Uint8Array(1), axis: null };
  }
  const scales = new Float32Array(cols);
  const zeroPoints = new Uint8Array(cols);
  for (let c = 0; c < cols; c++) {
    let min = 0;
    let max = 0;
    for (let r = 0; r < rows; r++) {
      min = Math.min(min, data[r * cols + c]!);
      max = Math.max(max, data[r * cols + c]!);
    }
    scales[c] = (max - min) / 255 || 1;
    zeroPoints[c] = Math.max(0, Math.min(255, Math.round(-min / scales[c]!)));
  }
  const q = new Uint8Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++)
      q[r * cols + c] = Math.max(0, Math.min(255, Math.round(data[r * cols + c]! / scales[c]!) + zeroPoints[c]!));
  }
  return { type, data: q, scales, zeroPoints, axis: 1 };
}

export function dynamicInitializers(g: GraphBuilder, name: string, w: DynamicWeight, dims: number[]): [string, string, string] {
  const perTensor = w.axis === null;
  const q = g.initializer(`${name}_quantized`, { type: w.type, dims, bytes: w.data });
  const scale = g.initializer(`${name}_scale`, {
    type: 'float32',
    dims: perTensor ? [] : [w.scales.length],
    bytes: new Uint8Array(w.scales.buffer),
  });
  const zero = g.initializer(`${name}_zero_point`, { type: w.type, dims: perTensor ? [] : [w.zeroPoints.length], bytes: w.zeroPoints });
  return [q, scale, zero];
}

/** What onnxruntime's dynamic quantizer writes for MatMul(x, B): activations quantized per call, int32 accumulation. */
export function dynamicMatMul(g: GraphBuilder, x: string, b: string, bScale: string, bZero: string): string {
  const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], { outputs: 3 }) as [string, string, string];
  const product = g.op('Cast', [g.op('MatMulInteger', [xq, b, xZero, bZero])], { to: 1 });
  return g.op('Mul', [product, g.op('Mul', [xScale, bScale])]);
}

export type OptimumVariant =
  /** onnx/model*.onnx: one graph, past inputs always present (P may be 0). */
  | 'with-past'
  /** decoder_model.onnx: no past inputs. */
  | 'no-past'
  /** decoder_model_merged.onnx: past inputs plus use_cache_branch; when false the past is ignored. */
  | 'merged';

/**
 * `halfIo`: past, present and logits in float16, as Optimum's fp16 exports (model_fp16.onnx) have them;
 * the arithmetic inside stays float32 because the CPU provider has few float16 kernels.
 */
export function buildOptimumGraph(
  weights: Gpt2Weights,
  precision: WeightPrecision,
  variant: OptimumVariant,
  halfIo = false,
  style: ExportStyle = {},
): GraphBuilder {
  const { config } = weights;
  const linearStyle = style.linear ?? 'matmul';
  const quantization = precision === 'int8' ? (style.int8 ?? 'dynamic-int8') : null;
  const dynamicType: 'int8' | 'uint8' | null =
    quantization === 'dynamic-int8' ? 'int8' : quantization === 'dynamic-uint8-per-channel' ? 'uint8' : null;
  const C = config.nEmbd;
  const H = config.nHead;
  const D = C / H;
  const V = config.vocabSize;
  const g = new GraphBuilder(`gpt2-optimum-${variant}`);
  const hasPast = variant !== 'no-past';

  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch_size', 'past_sequence_length + sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const useCache = variant === 'merged' ? g.input('use_cache_branch', 'bool', [1]) : null;

  const cH = g.constInt64([H]);
  const cD = g.constInt64([D]);
  const idsShape = g.op('Shape', [inputIds]);
  const batch = g.op('Slice', [idsShape, g.constInt64([0]), g.constInt64([1])]);
  const seq = g.op('Slice', [idsShape, g.constInt64([1]), g.constInt64([2])]);
  const shapeBSHD = g.op('Concat', [batch, seq, cH, cD], { axis: 0 });

  // Dynamic quantization stores the embeddings as int8 too: Gather picks rows, DequantizeLinear widens them.
  const embedding = (name: string, data: Float32Array, rows: number, ids: string): { gathered: string; table: string } => {
    if (dynamicType === null) {
      const table = floatConstant(g, name, data, [rows, C], 'fp32');
      return { gathered: g.op('Gather', [table, ids]), table };
    }
    const [q, scale, zero] = dynamicInitializers(g, name, dynamicQuantize(data, rows, C, 'int8'), [rows, C]);
    return { gathered: g.op('DequantizeLinear', [g.op('Gather', [q, ids]), scale, zero]), table: q };
  };
  const tokens = embedding('transformer.wte.weight', weights.wte, V, inputIds);
  const wte = tokens.table;
  const positionsEmbedded = embedding('transformer.wpe.weight', weights.wpe, config.nPositions, positionIds).gathered;
  let x = g.op('Add', [tokens.gathered, positionsEmbedded]);

  const outShape = (n: number): string => g.op('Concat', [batch, seq, g.constInt64([n])], { axis: 0 });
  /** x [B, S, K] · W [K, N] + b, written the way the chosen exporter writes it. */
  const dense = (input: string, name: string, w: Float32Array, k: number, n: number, bias: Float32Array): string => {
    if (linearStyle === 'gemm') {
      // onnxruntime's dynamic quantizer has no Gemm rule, so these stay float in an int8 export.
      const flat = g.op('Reshape', [input, g.constInt64([-1, k])]);
      const wName = floatConstant(g, `${name}.weight`, w, [k, n], precision === 'fp16' ? 'fp16' : 'fp32');
      const y = g.op('Gemm', [flat, wName, floatConstant(g, `${name}.bias`, bias, [n], 'fp32')]);
      return g.op('Reshape', [y, outShape(n)]);
    }
    if (dynamicType === null) return linear(g, input, name, { kn: w }, k, n, bias, precision);
    const [q, scale, zero] = dynamicInitializers(g, `${name}.weight`, dynamicQuantize(w, k, n, dynamicType), [k, n]);
    return g.op('Add', [dynamicMatMul(g, input, q, scale, zero), floatConstant(g, `${name}.bias`, bias, [n], 'fp32')]);
  };

  // Mask [B, 1, S, T]: key j is visible to query i when j <= i + P and attention_mask[b, j] = 1.
  const total = g.op('Slice', [g.op('Shape', [attentionMask]), g.constInt64([1]), g.constInt64([2])]);
  const pastLen = g.op('Sub', [total, seq]);
  const zero = g.constInt64([0], []);
  const one = g.constInt64([1], []);
  const squeeze = (t: string): string => g.op('Squeeze', [t, g.constInt64([0])]);
  const rows = g.op('Add', [g.op('Range', [zero, squeeze(seq), one]), pastLen]);
  const cols = g.op('Range', [zero, squeeze(total), one]);
  const causalHidden = g.op('Greater', [g.op('Unsqueeze', [cols, g.constInt64([0])]), g.op('Unsqueeze', [rows, g.constInt64([1])])]);
  const padHidden = g.op('Equal', [g.op('Unsqueeze', [attentionMask, g.constInt64([1, 2])]), g.constInt64([0], [])]);
  const hidden = g.op('Or', [causalHidden, padHidden]);
  const maskBias = g.op('Where', [hidden, g.constFloat([-1e9], []), g.constFloat([0], [])]);

  const layerNorm = (input: string, name: string, w: Float32Array, b: Float32Array): string =>
    g.op(
      'LayerNormalization',
      [input, floatConstant(g, `${name}.weight`, w, [C], 'fp32'), floatConstant(g, `${name}.bias`, b, [C], 'fp32')],
      {
        axis: -1,
        epsilon: { float: config.layerNormEpsilon },
      },
    );

  for (let l = 0; l < config.nLayer; l++) {
    const w = weights.layers[l]!;
    const p = `transformer.h.${l}`;
    const h1 = layerNorm(x, `${p}.ln_1`, w.ln1Weight, w.ln1Bias);
    const qkv = dense(h1, `${p}.attn.c_attn`, w.attnWeight, C, 3 * C, w.attnBias);
    const [q, k, v] = g.node('Split', [qkv, g.constInt64([C, C, C])], { outputs: 3, attrs: { axis: 2 } }) as [string, string, string];
    const heads = (t: string): string => g.op('Transpose', [g.op('Reshape', [t, shapeBSHD])], { perm: [0, 2, 1, 3] });
    let kAll = heads(k);
    let vAll = heads(v);
    if (hasPast) {
      const ioType = halfIo ? 'float16' : 'float32';
      let pastK = g.input(`past_key_values.${l}.key`, ioType, ['batch_size', H, 'past_sequence_length', D]);
      let pastV = g.input(`past_key_values.${l}.value`, ioType, ['batch_size', H, 'past_sequence_length', D]);
      if (halfIo) {
        pastK = g.op('Cast', [pastK], { to: 1 });
        pastV = g.op('Cast', [pastV], { to: 1 });
      }
      if (useCache) {
        const keep = g.op('Mul', [pastLen, g.op('Cast', [useCache], { to: 7 })]);
        pastK = g.op('Slice', [pastK, g.constInt64([0]), keep, g.constInt64([2])]);
        pastV = g.op('Slice', [pastV, g.constInt64([0]), keep, g.constInt64([2])]);
      }
      kAll = g.op('Concat', [pastK, kAll], { axis: 2 });
      vAll = g.op('Concat', [pastV, vAll], { axis: 2 });
    }
    g.node(halfIo ? 'Cast' : 'Identity', [kAll], { outputs: [`present.${l}.key`], attrs: halfIo ? { to: 10 } : {} });
    g.node(halfIo ? 'Cast' : 'Identity', [vAll], { outputs: [`present.${l}.value`], attrs: halfIo ? { to: 10 } : {} });
    const scores = g.op('Add', [
      g.op('Mul', [g.op('MatMul', [heads(q), g.op('Transpose', [kAll], { perm: [0, 1, 3, 2] })]), g.constFloat([1 / Math.sqrt(D)], [])]),
      maskBias,
    ]);
    const attn = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), vAll]);
    const merged = g.op('Reshape', [g.op('Transpose', [attn], { perm: [0, 2, 1, 3] }), g.constInt64([0, 0, C])]);
    x = g.op('Add', [x, dense(merged, `${p}.attn.c_proj`, w.attnProjWeight, C, C, w.attnProjBias)]);
    const h2 = layerNorm(x, `${p}.ln_2`, w.ln2Weight, w.ln2Bias);
    const fc = dense(h2, `${p}.mlp.c_fc`, w.fcWeight, C, 4 * C, w.fcBias);
    const u = fc;
    // gelu_new written out with plain ops, as exporters do.
    const cube = g.op('Mul', [g.op('Mul', [u, u]), u]);
    const inner = g.op('Mul', [
      g.op('Add', [u, g.op('Mul', [cube, g.constFloat([0.044715], [])])]),
      g.constFloat([Math.sqrt(2 / Math.PI)], []),
    ]);
    const act = g.op('Mul', [g.op('Mul', [u, g.constFloat([0.5], [])]), g.op('Add', [g.op('Tanh', [inner]), g.constFloat([1], [])])]);
    x = g.op('Add', [x, dense(act, `${p}.mlp.c_proj`, w.fcProjWeight, 4 * C, C, w.fcProjBias)]);
  }
  const hf = layerNorm(x, 'transformer.ln_f', weights.lnfWeight, weights.lnfBias);
  const logits = lmHead(g, hf, wte, weights.wte, V, C, style.head ?? 'folded', dynamicType, precision === 'fp16');
  g.node(halfIo ? 'Cast' : 'Identity', [logits], { outputs: ['logits'], attrs: halfIo ? { to: 10 } : {} });
  const outType = halfIo ? 'float16' : 'float32';
  g.output('logits', outType, ['batch_size', 'sequence_length', V]);
  for (let l = 0; l < config.nLayer; l++) {
    g.output(`present.${l}.key`, outType, ['batch_size', H, 'total_sequence_length', D]);
    g.output(`present.${l}.value`, outType, ['batch_size', H, 'total_sequence_length', D]);
  }
  return g;
}

/**
 * The tied LM head. torch folds the Transpose of wte into an initializer of its own ([C, V], named onnx::MatMul_N);
 * the quantizer then quantizes that copy like any MatMul weight. With 'transposed-wte' the graph transposes wte itself.
 */
function lmHead(
  g: GraphBuilder,
  hidden: string,
  wte: string,
  wteData: Float32Array,
  V: number,
  C: number,
  head: 'folded' | 'transposed-wte',
  dynamicType: 'int8' | 'uint8' | null,
  half: boolean,
): string {
  if (head === 'transposed-wte') {
    const weight = g.op('Transpose', [wte], { perm: [1, 0] });
    if (dynamicType === null) return g.op('MatMul', [hidden, weight]);
    return dynamicMatMul(g, hidden, weight, `${wte.replace(/_quantized$/, '')}_scale`, `${wte.replace(/_quantized$/, '')}_zero_point`);
  }
  const folded = transpose(wteData, V, C);
  const name = 'onnx::MatMul_3135';
  if (dynamicType === null) return g.op('MatMul', [hidden, floatConstant(g, name, folded, [C, V], half ? 'fp16' : 'fp32')]);
  const [q, scale, zero] = dynamicInitializers(g, name, dynamicQuantize(folded, C, V, dynamicType), [C, V]);
  return dynamicMatMul(g, hidden, q, scale, zero);
}
