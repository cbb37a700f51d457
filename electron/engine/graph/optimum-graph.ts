/**
 * Writes GPT-2 in the Hugging Face Optimum / Transformers.js ONNX layout: input_ids, attention_mask,
 * position_ids, past_key_values.L.key|value [B, H, P, D] in, logits [B, S, V] and present.L.key|value out.
 * Kaituhi runs its own graph; this layout exists so the loader of third-party exports, and the benchmark
 * against Transformers.js, are exercised on models generated here.
 */
import type { Gpt2Weights } from '../formats/gpt2-checkpoint.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { floatConstant, linear, type WeightPrecision } from './weights.js';

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
export function buildOptimumGraph(weights: Gpt2Weights, precision: WeightPrecision, variant: OptimumVariant, halfIo = false): GraphBuilder {
  const { config } = weights;
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

  const wte = g.initializer('transformer.wte.weight', {
    type: 'float32',
    dims: [V, C],
    bytes: new Uint8Array(weights.wte.buffer, weights.wte.byteOffset, weights.wte.byteLength),
  });
  const wpe = floatConstant(g, 'transformer.wpe.weight', weights.wpe, [config.nPositions, C], 'fp32');
  let x = g.op('Add', [g.op('Gather', [wte, inputIds]), g.op('Gather', [wpe, positionIds])]);

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
    const qkv = linear(g, h1, `${p}.attn.c_attn`, { kn: w.attnWeight }, C, 3 * C, w.attnBias, precision);
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
    x = g.op('Add', [x, linear(g, merged, `${p}.attn.c_proj`, { kn: w.attnProjWeight }, C, C, w.attnProjBias, precision)]);
    const h2 = layerNorm(x, `${p}.ln_2`, w.ln2Weight, w.ln2Bias);
    const fc = linear(g, h2, `${p}.mlp.c_fc`, { kn: w.fcWeight }, C, 4 * C, w.fcBias, precision);
    const u = fc;
    // gelu_new written out with plain ops, as exporters do.
    const cube = g.op('Mul', [g.op('Mul', [u, u]), u]);
    const inner = g.op('Mul', [
      g.op('Add', [u, g.op('Mul', [cube, g.constFloat([0.044715], [])])]),
      g.constFloat([Math.sqrt(2 / Math.PI)], []),
    ]);
    const act = g.op('Mul', [g.op('Mul', [u, g.constFloat([0.5], [])]), g.op('Add', [g.op('Tanh', [inner]), g.constFloat([1], [])])]);
    x = g.op('Add', [x, linear(g, act, `${p}.mlp.c_proj`, { kn: w.fcProjWeight }, 4 * C, C, w.fcProjBias, precision)]);
  }
  const hf = layerNorm(x, 'transformer.ln_f', weights.lnfWeight, weights.lnfBias);
  const logits = g.op('MatMul', [hf, g.op('Transpose', [wte], { perm: [1, 0] })]);
  g.node(halfIo ? 'Cast' : 'Identity', [logits], { outputs: ['logits'], attrs: halfIo ? { to: 10 } : {} });
  const outType = halfIo ? 'float16' : 'float32';
  g.output('logits', outType, ['batch_size', 'sequence_length', V]);
  for (let l = 0; l < config.nLayer; l++) {
    g.output(`present.${l}.key`, outType, ['batch_size', H, 'total_sequence_length', D]);
    g.output(`present.${l}.value`, outType, ['batch_size', H, 'total_sequence_length', D]);
  }
  return g;
}
