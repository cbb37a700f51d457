/**
 * How a dense weight enters a graph: fp32 as is, fp16 stored half-size and widened at load
 * (the CPU provider has few fp16 kernels; ORT folds the Cast once at session creation),
 * or block-quantized for `com.microsoft.MatMulNBits` (8 or 4 bits, symmetric, block 32).
 */
import { float32ToFloat16 } from '../formats/half.js';
import { float32Tensor, type GraphBuilder } from '../onnx/graph-builder.js';
import type { Precision } from '../../common/generation.js';

export type WeightPrecision = Precision;

export const QUANT_BLOCK = 32;

/** A constant fp32 tensor as a graph value, honouring the storage precision. */
export function floatConstant(
  g: GraphBuilder,
  name: string,
  data: Float32Array,
  dims: readonly number[],
  precision: WeightPrecision,
): string {
  if (precision !== 'fp16') return g.initializer(name, float32Tensor(data, dims));
  const half = float32ToFloat16(data);
  const stored = g.initializer(`${name}.fp16`, { type: 'float16', dims, bytes: new Uint8Array(half.buffer) });
  return g.op('Cast', [stored], { to: 1 });
}

export interface QuantizedMatrix {
  /** [N, K / block, block * bits / 8] */
  readonly packed: Uint8Array;
  /** [N * K / block] */
  readonly scales: Float32Array;
}

/**
 * A weight already in MatMulNBits blocks, as an export published it (or as its int8 weights convert losslessly):
 * it enters the graph as it is, never quantized again.
 */
export interface BlockQuantized extends QuantizedMatrix {
  readonly bits: 4 | 8;
  /** Output channels. */
  readonly n: number;
  /** Input channels. */
  readonly k: number;
  readonly blockSize: number;
  /** [N * ceil(blocks * bits / 8)] packed like the weights; null: the default 2^(bits-1). */
  readonly zeroPoints: Uint8Array | null;
}

/** A linear layer's weight: [K, N] floats (GPT-2's Conv1D layout), or blocks that enter the graph as they are. */
export type LinearWeight = Float32Array | BlockQuantized;

export function isBlockQuantized(w: LinearWeight): w is BlockQuantized {
  return !(w instanceof Float32Array);
}

/**
 * Quantizes `rowsN x K` (each output channel's K inputs contiguous) symmetrically per block.
 * The zero point is 2^(bits-1), which is MatMulNBits's default when no zero_points input is given.
 */
export function quantizeRows(rows: Float32Array, n: number, k: number, bits: 4 | 8): QuantizedMatrix {
  if (k % QUANT_BLOCK !== 0) throw new Error(`K=${k} is not a multiple of ${QUANT_BLOCK}`);
  const blocks = k / QUANT_BLOCK;
  const maxQ = bits === 8 ? 127 : 7;
  const zero = bits === 8 ? 128 : 8;
  const blobBytes = (QUANT_BLOCK * bits) / 8;
  const packed = new Uint8Array(n * blocks * blobBytes);
  const scales = new Float32Array(n * blocks);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const base = row * k + b * QUANT_BLOCK;
      let amax = 0;
      for (let i = 0; i < QUANT_BLOCK; i++) amax = Math.max(amax, Math.abs(rows[base + i]!));
      // The negative end of the range is one step longer; using -(maxQ+1) for amax keeps the sign symmetric.
      const scale = amax / (maxQ + 1) || 1;
      scales[row * blocks + b] = scale;
      const out = (row * blocks + b) * blobBytes;
      for (let i = 0; i < QUANT_BLOCK; i++) {
        const q = Math.min(2 * zero - 1, Math.max(0, Math.round(rows[base + i]! / scale) + zero));
        if (bits === 8) packed[out + i] = q;
        else packed[out + (i >> 1)]! |= i & 1 ? q << 4 : q;
      }
    }
  }
  return { packed, scales };
}

function blockLinear(g: GraphBuilder, x: string, name: string, b: BlockQuantized, biasName: string | null): string {
  const blocks = Math.ceil(b.k / b.blockSize);
  const blob = (b.blockSize * b.bits) / 8;
  const packedName = g.initializer(`${name}.q${b.bits}`, { type: 'uint8', dims: [b.n, blocks, blob], bytes: b.packed });
  const scalesName = g.initializer(`${name}.scales`, float32Tensor(b.scales, [b.n * blocks]));
  const zeroName = b.zeroPoints
    ? g.initializer(`${name}.zero_points`, { type: 'uint8', dims: [b.zeroPoints.length], bytes: b.zeroPoints })
    : '';
  const inputs = [x, packedName, scalesName, zeroName];
  if (biasName) inputs.push('', biasName);
  while (inputs.at(-1) === '') inputs.pop();
  return g.op('MatMulNBits', inputs, { K: b.k, N: b.n, bits: b.bits, block_size: b.blockSize, accuracy_level: 4 }, 'com.microsoft');
}

/** [K, N] row-major (Conv1D layout) to [N, K]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * y = x · W + b for W stored [K, N] (GPT-2's Conv1D layout). `nk` lets a caller pass W already as [N, K]
 * (the tied LM head is wte, which is [V, C]). With `rank2`, x is [M, K] and fp32/fp16 use one Gemm
 * (bias fused, B prepacked by MLAS); otherwise MatMul then Add, which accepts any rank.
 */
export function linear(
  g: GraphBuilder,
  x: string,
  name: string,
  w: { kn?: Float32Array; nk?: Float32Array; blocks?: BlockQuantized },
  k: number,
  n: number,
  bias: Float32Array | null,
  precision: WeightPrecision,
  options: { rank2?: boolean } = {},
): string {
  const biasName = bias === null ? null : floatConstant(g, `${name}.bias`, bias, [n], precision === 'fp16' ? 'fp16' : 'fp32');
  if (w.blocks) return blockLinear(g, x, name, w.blocks, biasName);
  if (precision === 'int8' || precision === 'q4') {
    const bits = precision === 'int8' ? 8 : 4;
    const nk = w.nk ?? transpose(w.kn!, k, n);
    const { packed, scales } = quantizeRows(nk, n, k, bits);
    const blocks = k / QUANT_BLOCK;
    const packedName = g.initializer(`${name}.q${bits}`, { type: 'uint8', dims: [n, blocks, (QUANT_BLOCK * bits) / 8], bytes: packed });
    const scalesName = g.initializer(`${name}.scales`, float32Tensor(scales, [n * blocks]));
    // accuracy_level 4: int8 activations inside the kernel, the fast path of MLAS on x64 and Arm.
    // Inputs 3 and 4 (zero points, g_idx) are absent; input 5 is the bias, added inside the kernel.
    const inputs = biasName ? [x, packedName, scalesName, '', '', biasName] : [x, packedName, scalesName];
    return g.op('MatMulNBits', inputs, { K: k, N: n, bits, block_size: QUANT_BLOCK, accuracy_level: 4 }, 'com.microsoft');
  }
  if (options.rank2 || !w.kn) {
    const weight = w.kn
      ? floatConstant(g, `${name}.weight`, w.kn, [k, n], precision)
      : floatConstant(g, `${name}.weight`, w.nk!, [n, k], precision);
    return g.op('Gemm', biasName ? [x, weight, biasName] : [x, weight], w.kn ? {} : { transB: 1 });
  }
  const y = g.op('MatMul', [x, floatConstant(g, `${name}.weight`, w.kn, [k, n], precision)]);
  return biasName ? g.op('Add', [y, biasName]) : y;
}
