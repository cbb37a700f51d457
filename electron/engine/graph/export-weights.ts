/**
 * Maps the weights of a GPT-2 ONNX export (Optimum, Transformers.js, or anything shaped like them) onto GPT-2's
 * tensors, so that Kaituhi builds its own graph from them. Weights are found by the graph's structure, not by
 * initializer names, which exporters, quantizers and optimizers rename freely:
 *
 * - linear layers: MatMul, Gemm, MatMulInteger (onnxruntime's dynamic quantization), DynamicQuantizeMatMul and
 *   MatMulNBits whose weight operand is a constant (through Transpose, Cast, Identity and DequantizeLinear), in
 *   graph order: c_attn, c_proj, c_fc, c_proj per layer, then the LM head; biases from Gemm, from the op itself,
 *   or from the Add that follows;
 * - layer norms: LayerNormalization, or the decomposed form (… Div, Mul by γ, Add β);
 * - embeddings: the Gather nodes reading a [V, C] and a [P, C] table (quantized tables through DequantizeLinear).
 *
 * Quantized weights are kept as published: int8 and uint8 with per-tensor or per-output-channel scales and zero
 * points convert to MatMulNBits blocks of 32 exactly (the same numbers, only laid out in blocks), and MatMulNBits
 * weights pass through. Anything else (fused attention, an unexpected layer sequence) is an UnmappableExport,
 * and the caller runs the export as it is.
 *
 * Why one file of ~500 lines: the finders (GraphIndex) and the conversions they hand their findings to share the
 * private Source and Dequantize shapes and one contract, the mapping that EXPORT_MAPPING_VERSION versions; split,
 * those shapes would become a module's public surface for no other caller.
 */
import type { Gpt2Config } from '../formats/gpt2-config.js';
import type { LayerWeights } from '../formats/gpt2-checkpoint.js';
import {
  attributeFloat,
  attributeInt,
  attributeInts,
  readFloats,
  readIntegers,
  type ConstantTensor,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
} from '../onnx/onnx-file.js';
import type { Precision } from '../types.js';
import type { GraphLayerWeights, GraphWeights } from './gpt2-body.js';
import { isBlockQuantized, QUANT_BLOCK, transpose, type BlockQuantized, type LinearWeight, type WeightPrecision } from './weights.js';

/** Changes whenever the same export would map to a different graph: part of the built graph's cache key. */
export const EXPORT_MAPPING_VERSION = 1;

export class UnmappableExport extends Error {
  override readonly name = 'UnmappableExport';
}

export interface MappedExport {
  readonly weights: GraphWeights;
  /** How the graph stores weights that arrive as floats (blocks always enter as they are). */
  readonly precision: WeightPrecision;
  /** What was found, for the log: "12 layers; linear weights int8 per tensor, kept as blocks; head tied to wte". */
  readonly summary: string;
}

/** A constant reached from an operand, and what stands between: a transpose, a dequantization. */
interface Source {
  readonly tensor: ConstantTensor;
  readonly transposed: boolean;
  readonly dequantize: Dequantize | null;
}

interface Dequantize {
  readonly scale: ConstantTensor;
  readonly zero: ConstantTensor | null;
  /** Axis of the stored tensor the scales run along when there are several. */
  readonly axis: number;
}

interface FoundLinear {
  readonly node: OnnxNode;
  readonly k: number;
  readonly n: number;
  readonly bias: Source | null;
  readonly read: () => Promise<LinearWeight>;
  /** The stored tensor, to tell a tied head from a head of its own. */
  readonly tensor: ConstantTensor;
  readonly form: string;
}

const FUSED_OPS = new Set(['Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'EmbedLayerNormalization', 'SkipLayerNormalization']);

export async function mapExportWeights(model: OnnxModel, config: Gpt2Config, filePrecision: Precision): Promise<MappedExport> {
  const nodes = decoderNodes(model.graph);
  const fused = nodes.find((n) => FUSED_OPS.has(n.opType));
  if (fused)
    throw new UnmappableExport(`the graph uses onnxruntime's fused ${fused.opType} operator, whose weights are not laid out as GPT-2's`);
  const graph = new GraphIndex(nodes, model.constants);
  const C = config.nEmbd;
  const L = config.nLayer;

  const linears = nodes.map((n) => graph.linear(n)).filter((l): l is FoundLinear => l !== null);
  const expected: [number, number][] = [];
  for (let l = 0; l < L; l++) expected.push([C, 3 * C], [C, C], [C, 4 * C], [4 * C, C]);
  expected.push([C, config.vocabSize]);
  if (linears.length !== expected.length) {
    throw new UnmappableExport(
      `found ${linears.length} linear layers with constant weights where GPT-2 with ${L} layers has ${expected.length}`,
    );
  }
  linears.forEach((lin, i) => {
    const [k, n] = expected[i]!;
    if (lin.k !== k || lin.n !== n) {
      throw new UnmappableExport(
        `linear layer ${i + 1} (${lin.node.opType}) maps ${lin.k} → ${lin.n} inputs to outputs where GPT-2 has ${k} → ${n}`,
      );
    }
  });

  const norms = graph.layerNorms(C);
  if (norms.length !== 2 * L + 1)
    throw new UnmappableExport(`found ${norms.length} layer norms where GPT-2 with ${L} layers has ${2 * L + 1}`);
  const { wte, wpe } = graph.embeddings(config);

  const floats = async (source: Source | null, length: number, what: string): Promise<Float32Array> => {
    if (source === null) return new Float32Array(length);
    if (source.tensor.size !== length) throw new UnmappableExport(`${what} has ${source.tensor.size} values, expected ${length}`);
    return checkFinite(
      source.dequantize ? await dequantizeToFloats(source.tensor, source.dequantize) : await readFloats(source.tensor),
      what,
    );
  };
  const layers: GraphLayerWeights[] = [];
  for (let l = 0; l < L; l++) {
    const [attn, attnProj, fc, fcProj] = linears.slice(4 * l, 4 * l + 4) as [FoundLinear, FoundLinear, FoundLinear, FoundLinear];
    const [ln1, ln2] = [norms[2 * l]!, norms[2 * l + 1]!];
    const layer: Omit<LayerWeights, 'attnWeight' | 'attnProjWeight' | 'fcWeight' | 'fcProjWeight'> = {
      ln1Weight: await floats(ln1.scale, C, `layer ${l} ln_1 weight`),
      ln1Bias: await floats(ln1.bias, C, `layer ${l} ln_1 bias`),
      attnBias: await floats(attn.bias, 3 * C, `layer ${l} c_attn bias`),
      attnProjBias: await floats(attnProj.bias, C, `layer ${l} attention c_proj bias`),
      ln2Weight: await floats(ln2.scale, C, `layer ${l} ln_2 weight`),
      ln2Bias: await floats(ln2.bias, C, `layer ${l} ln_2 bias`),
      fcBias: await floats(fc.bias, 4 * C, `layer ${l} c_fc bias`),
      fcProjBias: await floats(fcProj.bias, C, `layer ${l} mlp c_proj bias`),
    };
    layers.push({
      ...layer,
      attnWeight: await attn.read(),
      attnProjWeight: await attnProj.read(),
      fcWeight: await fc.read(),
      fcProjWeight: await fcProj.read(),
    });
  }
  const lnf = norms[2 * L]!;
  const wteValues = checkFinite(await wte.read(), 'wte');
  const headFound = linears.at(-1)!;
  // A float head equal to wte (tied, or the copy torch folds its transpose into) reads wte in place; a quantized
  // head keeps the export's own quantization, tied or not.
  const headRead = await headFound.read();
  const tied = !isBlockQuantized(headRead) && isTransposeOf(headRead, wteValues, config.vocabSize, C);
  const head = tied ? undefined : headRead;
  const headNote = tied ? 'tied to wte' : 'of its own';
  const weights: GraphWeights = {
    config,
    wte: wteValues,
    wpe: checkFinite(await wpe.read(), 'wpe'),
    layers,
    lnfWeight: await floats(lnf.scale, C, 'ln_f weight'),
    lnfBias: await floats(lnf.bias, C, 'ln_f bias'),
    ...(head ? { head } : {}),
  };
  const blockLinears = layers.flatMap((l) => [l.attnWeight, l.attnProjWeight, l.fcWeight, l.fcProjWeight]).filter(isBlockQuantized);
  const allBlocks = blockLinears.length === 4 * L;
  const precision: WeightPrecision =
    allBlocks && blockLinears.every((b) => b.bits === 4)
      ? 'q4'
      : allBlocks
        ? 'int8'
        : linears.slice(0, -1).every((l) => l.tensor.type === 'float16')
          ? 'fp16'
          : filePrecision;
  const forms = [...new Set(linears.slice(0, -1).map((l) => l.form))].join(', ');
  return { weights, precision, summary: `${L} layers; linear weights ${forms}; head ${headFound.form}, ${headNote}` };
}

/**
 * The nodes of the decoder in graph order. A merged decoder (decoder_model_merged.onnx) holds two copies of the
 * decoder in the branches of an If; one is enough to find the weights.
 */
function decoderNodes(graph: OnnxGraph): OnnxNode[] {
  const out: OnnxNode[] = [];
  for (const node of graph.nodes) {
    const inner = graph.subgraphs.get(node);
    if (!inner) {
      out.push(node);
      continue;
    }
    const branch = inner.get('then_branch') ?? [...inner.values()][0]!;
    out.push(...decoderNodes(branch));
  }
  return out;
}

class GraphIndex {
  readonly #producer = new Map<string, OnnxNode>();
  readonly #consumers = new Map<string, OnnxNode[]>();

  constructor(
    readonly nodes: readonly OnnxNode[],
    readonly constants: ReadonlyMap<string, ConstantTensor>,
  ) {
    for (const n of nodes) {
      for (const o of n.outputs) this.#producer.set(o, n);
      for (const i of n.inputs) if (i) (this.#consumers.get(i) ?? this.#consumers.set(i, []).get(i)!).push(n);
    }
  }

  constant(name: string | undefined): ConstantTensor | null {
    return name ? (this.constants.get(name) ?? null) : null;
  }

  /** A vector operand (bias, γ, β): a constant, possibly stored at another precision and cast. */
  vector(name: string | undefined, length: number): Source | null {
    const source = this.resolve(name);
    return source && !source.transposed && source.tensor.size === length ? source : null;
  }

  only(value: string): OnnxNode | null {
    const c = this.#consumers.get(value);
    return c && c.length === 1 ? c[0]! : null;
  }

  /** Follows an operand back to a constant through the ops exporters put between a weight and its use. */
  resolve(value: string | undefined, transposed = false): Source | null {
    if (!value) return null;
    const tensor = this.constants.get(value);
    if (tensor) return { tensor, transposed, dequantize: null };
    const p = this.#producer.get(value);
    if (!p) return null;
    if (p.opType === 'Identity' || p.opType === 'Cast') return this.resolve(p.inputs[0], transposed);
    if (p.opType === 'Transpose') {
      const perm = attributeInts(p, 'perm');
      if (perm && !(perm.length === 2 && perm[0] === 1 && perm[1] === 0)) return null;
      return this.resolve(p.inputs[0], !transposed);
    }
    if (p.opType === 'DequantizeLinear') {
      const inner = this.resolve(p.inputs[0], transposed);
      const scale = this.constant(p.inputs[1]);
      if (!inner || inner.dequantize || !scale) return null;
      return { ...inner, dequantize: { scale, zero: this.constant(p.inputs[2]), axis: attributeInt(p, 'axis', 1) } };
    }
    return null;
  }

  /** A linear layer with a constant weight, or null for anything else (attention's activation products included). */
  linear(node: OnnxNode): FoundLinear | null {
    switch (node.opType) {
      case 'MatMul':
      case 'Gemm': {
        const transB = node.opType === 'Gemm' && attributeInt(node, 'transB', 0) === 1;
        const source = this.resolve(node.inputs[1], transB);
        if (!source || source.tensor.dims.length !== 2) return null;
        if (node.opType === 'Gemm' && (attributeInt(node, 'transA', 0) !== 0 || attributeFloat(node, 'alpha', 1) !== 1)) {
          throw new UnmappableExport('a Gemm with transA or alpha ≠ 1');
        }
        const [k, n] = kn(source);
        const bias = node.opType === 'Gemm' && node.inputs[2] ? this.vector(node.inputs[2], n) : this.#biasAfter(node.outputs[0]!, n);
        if (source.dequantize) return this.#quantizedLinear(node, source, source.dequantize, k, n, bias, 'DequantizeLinear');
        return floatLinear(node, source, k, n, bias);
      }
      case 'MatMulInteger': {
        const source = this.resolve(node.inputs[1]);
        if (!source || source.dequantize || source.tensor.dims.length !== 2) return null;
        // onnxruntime's dynamic quantizer: Cast(MatMulInteger) · (x_scale · w_scale), then the bias.
        const cast = this.only(node.outputs[0]!);
        const mul = cast?.opType === 'Cast' ? this.only(cast.outputs[0]!) : null;
        if (mul?.opType !== 'Mul') throw new UnmappableExport('a MatMulInteger whose output is not scaled by a Mul');
        const scaleOperand = mul.inputs.find((i) => i !== cast!.outputs[0]);
        const scaleNode = scaleOperand ? this.#producer.get(scaleOperand) : undefined;
        const weightScale =
          this.constant(scaleOperand) ??
          (scaleNode?.opType === 'Mul' ? (scaleNode.inputs.map((i) => this.constant(i)).find((t) => t !== null) ?? null) : null);
        if (!weightScale) throw new UnmappableExport('a MatMulInteger whose weight scale is not a constant');
        const [k, n] = kn(source);
        const dq: Dequantize = { scale: weightScale, zero: this.constant(node.inputs[3]), axis: source.transposed ? 0 : 1 };
        return this.#quantizedLinear(node, source, dq, k, n, this.#biasAfter(mul.outputs[0]!, n), 'MatMulInteger');
      }
      case 'DynamicQuantizeMatMul': {
        const source = this.resolve(node.inputs[1]);
        const scale = this.constant(node.inputs[2]);
        if (!source || !scale || source.tensor.dims.length !== 2) return null;
        const [k, n] = kn(source);
        const dq: Dequantize = { scale, zero: this.constant(node.inputs[3]), axis: source.transposed ? 0 : 1 };
        const bias = node.inputs[4] ? this.vector(node.inputs[4], n) : this.#biasAfter(node.outputs[0]!, n);
        return this.#quantizedLinear(node, source, dq, k, n, bias, 'DynamicQuantizeMatMul');
      }
      case 'MatMulNBits':
        return this.#blockLinear(node);
      default:
        return null;
    }
  }

  #quantizedLinear(node: OnnxNode, source: Source, dq: Dequantize, k: number, n: number, bias: Source | null, op: string): FoundLinear {
    const perTensor = dq.scale.size === 1;
    const form = `${source.tensor.type} ${perTensor ? 'per tensor' : 'per channel'} (${op})`;
    return {
      node,
      k,
      n,
      bias,
      tensor: source.tensor,
      form,
      read: () => quantizedToBlocks(source, dq, k, n),
    };
  }

  #blockLinear(node: OnnxNode): FoundLinear | null {
    const packed = this.constant(node.inputs[1]);
    const scales = this.constant(node.inputs[2]);
    if (!packed || !scales) return null;
    const k = attributeInt(node, 'K', 0);
    const n = attributeInt(node, 'N', 0);
    const bits = attributeInt(node, 'bits', 4);
    const blockSize = attributeInt(node, 'block_size', 0);
    if (bits !== 4 && bits !== 8) throw new UnmappableExport(`MatMulNBits with ${bits} bits`);
    if (node.inputs[4]) throw new UnmappableExport('MatMulNBits with a g_idx (act-order) input');
    const zero = this.constant(node.inputs[3]);
    if (zero && zero.type !== 'uint8') throw new UnmappableExport('MatMulNBits with float zero points');
    const bias = node.inputs[5] ? this.vector(node.inputs[5], n) : this.#biasAfter(node.outputs[0]!, n);
    return {
      node,
      k,
      n,
      bias,
      tensor: packed,
      form: `${bits}-bit blocks of ${blockSize} (MatMulNBits)`,
      read: async (): Promise<BlockQuantized> => ({
        bits,
        n,
        k,
        blockSize,
        packed: await packed.bytes(),
        scales: await readFloats(scales),
        zeroPoints: zero ? await zero.bytes() : null,
      }),
    };
  }

  /** The bias of a linear written as MatMul then Add: a constant of N values added to its output. */
  #biasAfter(value: string, n: number): Source | null {
    const add = this.only(value);
    return add?.opType === 'Add'
      ? this.vector(
          add.inputs.find((i) => i !== value),
          n,
        )
      : null;
  }

  /** LayerNormalization nodes, or decomposed ones: a Div's output times γ, plus β (γ and β vectors of C values). */
  layerNorms(C: number): { scale: Source | null; bias: Source | null }[] {
    const out: { scale: Source | null; bias: Source | null }[] = [];
    for (const node of this.nodes) {
      if (node.opType === 'LayerNormalization') {
        out.push({ scale: this.vector(node.inputs[1], C), bias: this.vector(node.inputs[2], C) });
        continue;
      }
      if (node.opType !== 'Mul') continue;
      const gamma = node.inputs.map((i) => this.vector(i, C)).find((v) => v !== null);
      const normalized = node.inputs.find((i) => this.resolve(i) === null);
      if (!gamma || !normalized || this.#producer.get(normalized)?.opType !== 'Div') continue;
      const add = this.only(node.outputs[0]!);
      out.push({
        scale: gamma,
        bias:
          add?.opType === 'Add'
            ? this.vector(
                add.inputs.find((i) => i !== node.outputs[0]),
                C,
              )
            : null,
      });
    }
    return out;
  }

  /** The token and position tables: Gathers reading [V, C] and [P, C] constants (through DequantizeLinear when int8). */
  embeddings(config: Gpt2Config): Record<'wte' | 'wpe', { tensor: ConstantTensor; read: () => Promise<Float32Array> }> {
    const found: { tensor: ConstantTensor; ids: string; read: () => Promise<Float32Array> }[] = [];
    for (const node of this.nodes) {
      if (node.opType !== 'Gather' || attributeInt(node, 'axis', 0) !== 0) continue;
      const source = this.resolve(node.inputs[0]);
      if (!source || source.transposed || source.tensor.dims.length !== 2 || source.tensor.dims[1] !== config.nEmbd) continue;
      let dq = source.dequantize;
      if (!dq && source.tensor.type !== 'float32' && source.tensor.type !== 'float16' && source.tensor.type !== 'bfloat16') {
        // onnxruntime's quantizer gathers int8 rows, then dequantizes what it gathered.
        const after = this.only(node.outputs[0]!);
        const scale = after?.opType === 'DequantizeLinear' ? this.constant(after.inputs[1]) : null;
        if (!scale || scale.size !== 1) continue;
        dq = { scale, zero: this.constant(after!.inputs[2]), axis: 0 };
      }
      const dequantize = dq;
      found.push({
        tensor: source.tensor,
        ids: node.inputs[1] ?? '',
        read: () => (dequantize ? dequantizeToFloats(source.tensor, dequantize) : readFloats(source.tensor)),
      });
    }
    const rows = (r: number): typeof found => found.filter((f) => f.tensor.dims[0] === r);
    const byIds = (name: string): (typeof found)[number] | undefined => found.find((f) => f.ids === name);
    const wte = config.vocabSize === config.nPositions ? byIds('input_ids') : rows(config.vocabSize)[0];
    const wpe = config.vocabSize === config.nPositions ? found.find((f) => f !== wte) : rows(config.nPositions)[0];
    if (!wte) throw new UnmappableExport(`no Gather reads a token table of [${config.vocabSize}, ${config.nEmbd}]`);
    if (!wpe) throw new UnmappableExport(`no Gather reads a position table of [${config.nPositions}, ${config.nEmbd}]`);
    return { wte, wpe };
  }
}

/** [K, N] of the product x · W, from the stored dims and whether the path to the op transposes them. */
function kn(source: Source): [number, number] {
  const [a, b] = source.tensor.dims as [number, number];
  return source.transposed ? [b, a] : [a, b];
}

function floatLinear(node: OnnxNode, source: Source, k: number, n: number, bias: Source | null): FoundLinear {
  return {
    node,
    k,
    n,
    bias,
    tensor: source.tensor,
    form: `${source.tensor.type} (${node.opType})`,
    read: async () => {
      const values = checkFinite(await readFloats(source.tensor), source.tensor.name);
      return source.transposed ? transpose(values, n, k) : values;
    },
  };
}

/**
 * int8 / uint8 weights with a scale and zero point per tensor or per output channel, as MatMulNBits 8-bit blocks:
 * the stored integers shifted to unsigned, each block carrying its channel's scale and zero point. The dequantized
 * values are exactly the export's. Scales along the input channels have no block form; such weights become floats.
 */
async function quantizedToBlocks(source: Source, dq: Dequantize, k: number, n: number): Promise<LinearWeight> {
  const q = await readIntegers(source.tensor);
  const scales = await readFloats(dq.scale);
  const zeros = dq.zero ? await readIntegers(dq.zero) : new Int32Array(scales.length);
  const nAxis = source.transposed ? 0 : 1;
  const perTensor = scales.length === 1;
  if ((!perTensor && (dq.axis !== nAxis || scales.length !== n)) || k % QUANT_BLOCK !== 0) {
    const values = await dequantizeToFloats(source.tensor, dq);
    return source.transposed ? transpose(values, n, k) : values;
  }
  const shift = source.tensor.type === 'int8' ? 128 : 0;
  const blocks = k / QUANT_BLOCK;
  const packed = new Uint8Array(n * k);
  const blockScales = new Float32Array(n * blocks);
  const blockZeros = new Uint8Array(n * blocks);
  for (let col = 0; col < n; col++) {
    const c = perTensor ? 0 : col;
    if (!(Number.isFinite(scales[c]!) && scales[c]! > 0))
      throw new UnmappableExport(`${source.tensor.name}: scale ${scales[c]} is not a positive number`);
    blockScales.fill(scales[c]!, col * blocks, (col + 1) * blocks);
    blockZeros.fill(zeros[zeros.length === 1 ? 0 : c]! + shift, col * blocks, (col + 1) * blocks);
    for (let row = 0; row < k; row++) {
      // Stored [K, N] (x · W) or [N, K] (a transposed use such as a tied head).
      packed[col * k + row] = q[source.transposed ? col * k + row : row * n + col]! + shift;
    }
  }
  const defaultZero = blockZeros.every((z) => z === 128);
  return { bits: 8, n, k, blockSize: QUANT_BLOCK, packed, scales: blockScales, zeroPoints: defaultZero ? null : blockZeros };
}

/** (q - zero) · scale, with per-tensor or per-axis scales, in the stored tensor's own layout. */
async function dequantizeToFloats(tensor: ConstantTensor, dq: Dequantize): Promise<Float32Array> {
  const q = await readIntegers(tensor);
  const scales = await readFloats(dq.scale);
  const zeros = dq.zero ? await readIntegers(dq.zero) : new Int32Array(scales.length);
  const out = new Float32Array(q.length);
  if (scales.length === 1) {
    for (let i = 0; i < q.length; i++) out[i] = (q[i]! - zeros[0]!) * scales[0]!;
    return checkFinite(out, tensor.name);
  }
  const dims = tensor.dims;
  const axis = dq.axis < 0 ? dq.axis + dims.length : dq.axis;
  if (dims[axis] !== scales.length)
    throw new UnmappableExport(`${tensor.name}: ${scales.length} scales for axis ${axis} of [${dims.join(', ')}]`);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < q.length; i++) {
    const c = Math.floor(i / inner) % scales.length;
    out[i] = (q[i]! - zeros[c]!) * scales[c]!;
  }
  return checkFinite(out, tensor.name);
}

/** head [C, V] equal to wte [V, C] transposed. */
function isTransposeOf(head: Float32Array, wte: Float32Array, V: number, C: number): boolean {
  if (head.length !== wte.length) return false;
  for (let v = 0; v < V; v++) for (let c = 0; c < C; c++) if (head[c * V + v] !== wte[v * C + c]) return false;
  return true;
}

export class NonFiniteWeights extends Error {
  override readonly name = 'NonFiniteWeights';
}

function checkFinite(data: Float32Array, what: string): Float32Array {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) throw new NonFiniteWeights(`${what} holds NaN or infinite values`);
  return data;
}
