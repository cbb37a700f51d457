/**
 * Reads an ONNX model's graph and its constant tensors (initializers and Constant nodes), so that the weights of
 * a third-party export can be mapped onto Kaituhi's own graph. Tensors stored as external data are read from the
 * files the model names, which must lie in the model's own folder: a model folder is untrusted input.
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { errorMessage } from '../../common/error-message.js';
import { halfBitsToFloat } from '../formats/half.js';

const { onnx } = onnxProto;

/** ONNX element types this reader decodes, by TensorProto.DataType code. */
const ELEMENT_TYPES = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
} as const;
export type ElementType = (typeof ELEMENT_TYPES)[keyof typeof ELEMENT_TYPES];

const ELEMENT_BYTES: Record<ElementType, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  float16: 2,
  float64: 8,
  bfloat16: 2,
};

export interface ConstantTensor {
  readonly name: string;
  readonly type: ElementType;
  readonly dims: readonly number[];
  readonly size: number;
  /** Little-endian element bytes, read on demand (external data is read from disk only when asked for). */
  bytes(): Promise<Uint8Array>;
}

export interface OnnxNode {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, onnxProto.onnx.IAttributeProto>;
}

export interface OnnxGraph {
  /** In the file's (topological) order. */
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Subgraphs of control-flow nodes (If branches), by the node that holds them and the attribute name. */
  readonly subgraphs: ReadonlyMap<OnnxNode, ReadonlyMap<string, OnnxGraph>>;
}

export interface OnnxModel {
  readonly file: string;
  readonly graph: OnnxGraph;
  /** Initializers and Constant-node values of the graph and every subgraph, by value name. */
  readonly constants: ReadonlyMap<string, ConstantTensor>;
  /** The model file and every external data file it names: what its built graph's cache key must cover. */
  readonly files: readonly string[];
}

export class OnnxReadError extends Error {
  override readonly name = 'OnnxReadError';
}

const toNumber = (v: number | { toString(): string }): number => (typeof v === 'number' ? v : Number(v.toString()));

export async function readOnnxModel(file: string): Promise<OnnxModel> {
  const bytes = await readFile(file);
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxReadError(`not an ONNX model (${errorMessage(error)})`);
  }
  if (!model.graph) throw new OnnxReadError('the model has no graph');
  const dir = path.dirname(path.resolve(file));
  const constants = new Map<string, ConstantTensor>();
  const externalFiles = new Set<string>();
  const graph = readGraph(model.graph, dir, constants, externalFiles);
  const files = [path.resolve(file), ...[...externalFiles].sort()];
  for (const f of files.slice(1)) {
    try {
      await stat(f);
    } catch {
      throw new OnnxReadError(`external data file ${path.basename(f)} is missing`);
    }
  }
  return { file: path.resolve(file), graph, constants, files };
}

function readGraph(
  proto: onnxProto.onnx.IGraphProto,
  dir: string,
  constants: Map<string, ConstantTensor>,
  externalFiles: Set<string>,
): OnnxGraph {
  for (const t of proto.initializer ?? []) {
    const tensor = constantTensor(t, dir, externalFiles);
    if (tensor) constants.set(tensor.name, tensor);
  }
  const nodes: OnnxNode[] = [];
  const subgraphs = new Map<OnnxNode, Map<string, OnnxGraph>>();
  for (const n of proto.node ?? []) {
    const attributes = new Map((n.attribute ?? []).map((a) => [a.name ?? '', a] as const));
    const node: OnnxNode = {
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes,
    };
    nodes.push(node);
    if (node.opType === 'Constant' && node.outputs[0] && attributes.get('value')?.t) {
      const tensor = constantTensor({ ...attributes.get('value')!.t!, name: node.outputs[0] }, dir, externalFiles);
      if (tensor) constants.set(tensor.name, tensor);
    }
    const inner = new Map<string, OnnxGraph>();
    for (const [name, a] of attributes) if (a.g) inner.set(name, readGraph(a.g, dir, constants, externalFiles));
    if (inner.size > 0) subgraphs.set(node, inner);
  }
  return {
    nodes,
    inputs: (proto.input ?? []).map((v) => v.name ?? ''),
    outputs: (proto.output ?? []).map((v) => v.name ?? ''),
    subgraphs,
  };
}

/** A tensor of a type this reader does not decode (strings, complex) is left out: no GPT-2 weight has one. */
function constantTensor(t: onnxProto.onnx.ITensorProto, dir: string, externalFiles: Set<string>): ConstantTensor | null {
  const type = ELEMENT_TYPES[(t.dataType ?? 0) as keyof typeof ELEMENT_TYPES];
  if (!type || !t.name) return null;
  const dims = (t.dims ?? []).map(toNumber);
  const size = dims.reduce((a, b) => a * b, 1);
  const byteLength = size * ELEMENT_BYTES[type];
  const name = t.name;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location') ?? '';
    const file = path.resolve(dir, location);
    // An export names its data file relative to itself; anything that climbs out of the folder is refused.
    if (!location || path.isAbsolute(location) || path.relative(dir, file).startsWith('..')) {
      throw new OnnxReadError(`tensor ${name} points at external data outside the model folder (${JSON.stringify(location)})`);
    }
    const offset = Number(entries.get('offset') ?? 0);
    const length = Number(entries.get('length') ?? byteLength);
    if (!Number.isSafeInteger(offset) || offset < 0 || length !== byteLength) {
      throw new OnnxReadError(`tensor ${name}: external data offset ${offset} / length ${length} do not fit its ${byteLength} bytes`);
    }
    externalFiles.add(file);
    return { name, type, dims, size, bytes: () => readRange(file, offset, byteLength, name) };
  }
  const bytes = inlineBytes(t, type, size);
  if (bytes.byteLength !== byteLength) {
    throw new OnnxReadError(`tensor ${name}: ${bytes.byteLength} bytes of data for dims [${dims.join(', ')}] of ${type}`);
  }
  return { name, type, dims, size, bytes: () => Promise.resolve(bytes) };
}

async function readRange(file: string, offset: number, length: number, name: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const out = new Uint8Array(length);
    const { bytesRead } = await handle.read(out, 0, length, offset);
    if (bytesRead !== length) throw new OnnxReadError(`tensor ${name}: external data file ${path.basename(file)} is truncated`);
    return out;
  } finally {
    await handle.close();
  }
}

/** raw_data when present, else the typed field the ONNX spec assigns to the element type. */
function inlineBytes(t: onnxProto.onnx.ITensorProto, type: ElementType, size: number): Uint8Array {
  if (t.rawData && t.rawData.byteLength > 0) return t.rawData;
  if (size === 0) return new Uint8Array(0);
  switch (type) {
    case 'float32':
      return new Uint8Array(Float32Array.from(t.floatData ?? []).buffer);
    case 'float64':
      return new Uint8Array(Float64Array.from(t.doubleData ?? []).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(v.toString()))).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(t.int32Data ?? []).buffer);
    case 'int16':
      return new Uint8Array(Int16Array.from(t.int32Data ?? []).buffer);
    case 'float16':
    case 'bfloat16':
      return new Uint8Array(Uint16Array.from(t.int32Data ?? []).buffer);
    case 'int8':
      return new Uint8Array(Int8Array.from(t.int32Data ?? []).buffer);
    case 'uint8':
      return Uint8Array.from(t.int32Data ?? []);
  }
}

/** A float tensor (float32, float16, bfloat16 or float64) as float32. */
export async function readFloats(tensor: ConstantTensor): Promise<Float32Array> {
  const bytes = await tensor.bytes();
  const aligned = alignedCopy(bytes);
  switch (tensor.type) {
    case 'float32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, tensor.size);
    case 'float64':
      return Float32Array.from(new Float64Array(aligned.buffer, aligned.byteOffset, tensor.size));
    case 'float16': {
      const half = new Uint16Array(aligned.buffer, aligned.byteOffset, tensor.size);
      const out = new Float32Array(tensor.size);
      for (let i = 0; i < half.length; i++) out[i] = halfBitsToFloat(half[i]!);
      return out;
    }
    case 'bfloat16': {
      const bits = new Uint16Array(aligned.buffer, aligned.byteOffset, tensor.size);
      const out = new Uint32Array(tensor.size);
      for (let i = 0; i < bits.length; i++) out[i] = bits[i]! << 16;
      return new Float32Array(out.buffer);
    }
    default:
      throw new OnnxReadError(`tensor ${tensor.name} is ${tensor.type}, not a float tensor`);
  }
}

/** An integer tensor (int8, uint8, int16, int32, int64) as numbers. */
export async function readIntegers(tensor: ConstantTensor): Promise<Int32Array> {
  const bytes = alignedCopy(await tensor.bytes());
  switch (tensor.type) {
    case 'int8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, tensor.size));
    case 'uint8':
      return Int32Array.from(bytes.subarray(0, tensor.size));
    case 'int16':
      return Int32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, tensor.size));
    case 'int32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, tensor.size);
    case 'int64':
      return Int32Array.from(new BigInt64Array(bytes.buffer, bytes.byteOffset, tensor.size), (v) => Number(v));
    default:
      throw new OnnxReadError(`tensor ${tensor.name} is ${tensor.type}, not an integer tensor`);
  }
}

/** Typed-array views need their element alignment; protobuf slices of a file buffer may not have it. */
function alignedCopy(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
}

export function attributeInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.i !== undefined && a.i !== null ? toNumber(a.i) : fallback;
}

export function attributeInts(node: OnnxNode, name: string): number[] | null {
  const a = node.attributes.get(name);
  return a?.ints && a.ints.length > 0 ? a.ints.map(toNumber) : null;
}

export function attributeFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a?.f !== undefined && a.f !== null && a.type === onnx.AttributeProto.AttributeType.FLOAT ? a.f : fallback;
}
