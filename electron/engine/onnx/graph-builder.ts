/**
 * A small typed layer over the ONNX protobuf schema (onnx-proto) for writing graphs.
 * Weights are written as ONNX external data so that models above protobuf's 2 GiB limit
 * (gpt2-large and gpt2-xl in fp32) serialise, and so that writing never holds two copies.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const DataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
} as const;
export type DataTypeName = keyof typeof DataType;

export type Dim = number | string;
export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] } | { graph: onnxProto.onnx.IGraphProto };
export type Attributes = Record<string, AttributeValue>;

export interface TensorData {
  readonly type: DataTypeName;
  readonly dims: readonly number[];
  readonly bytes: Uint8Array;
}

const AttrType = onnx.AttributeProto.AttributeType;

function toAttribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: AttrType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if ('float' in value) return { name, type: AttrType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: AttrType.FLOATS, floats: value.floats };
  return { name, type: AttrType.GRAPH, g: value.graph };
}

function valueInfo(name: string, type: DataTypeName, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Tensors smaller than this stay inside the protobuf; larger ones go to the external data file. */
const EXTERNAL_THRESHOLD_BYTES = 1024;
/** ORT maps external data with page alignment when offsets allow it. */
const EXTERNAL_ALIGNMENT = 4096;

export class GraphBuilder {
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #initializers = new Map<string, TensorData>();
  #counter = 0;

  constructor(readonly name: string) {}

  /** A fresh, unique value name with a readable stem. */
  fresh(stem: string): string {
    this.#counter += 1;
    return `${stem}__${this.#counter}`;
  }

  input(name: string, type: DataTypeName, shape: readonly Dim[]): string {
    this.#inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: DataTypeName, shape: readonly Dim[]): void {
    this.#outputs.push(valueInfo(name, type, shape));
  }

  initializer(name: string, tensor: TensorData): string {
    if (this.#initializers.has(name)) throw new Error(`duplicate initializer ${name}`);
    const expected = tensor.dims.reduce((a, b) => a * b, 1) * bytesPerElement(tensor.type);
    if (tensor.bytes.byteLength !== expected) {
      throw new Error(`initializer ${name}: ${tensor.bytes.byteLength} bytes for dims [${tensor.dims.join(',')}] of ${tensor.type}`);
    }
    this.#initializers.set(name, tensor);
    return name;
  }

  /** A small constant (shape vectors, scalars) kept inside the protobuf. */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const bytes = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
    return this.initializer(this.fresh('const_i64'), { type: 'int64', dims, bytes });
  }

  constFloat(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(this.fresh('const_f32'), { type: 'float32', dims, bytes: new Uint8Array(new Float32Array(values).buffer) });
  }

  node(
    opType: string,
    inputs: readonly string[],
    options: { outputs?: number | readonly string[]; attrs?: Attributes; domain?: string; name?: string } = {},
  ): string[] {
    const outs =
      typeof options.outputs === 'object' ? [...options.outputs] : Array.from({ length: options.outputs ?? 1 }, () => this.fresh(opType));
    this.#nodes.push({
      opType,
      domain: options.domain ?? '',
      name: options.name ?? this.fresh(`n_${opType}`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(options.attrs ?? {}).map(([k, v]) => toAttribute(k, v)),
    });
    return outs;
  }

  /** Single-output convenience. */
  op(opType: string, inputs: readonly string[], attrs?: Attributes, domain?: string): string {
    const [out] = this.node(opType, inputs, { attrs, domain });
    return out!;
  }

  toGraphProto(externalFileName: string | null): { graph: onnxProto.onnx.IGraphProto; external: { offset: number; bytes: Uint8Array }[] } {
    const external: { offset: number; bytes: Uint8Array }[] = [];
    let offset = 0;
    const initializer: onnxProto.onnx.ITensorProto[] = [];
    for (const [name, t] of this.#initializers) {
      const base = { name, dims: [...t.dims], dataType: DataType[t.type] };
      if (externalFileName === null || t.bytes.byteLength < EXTERNAL_THRESHOLD_BYTES) {
        initializer.push({ ...base, rawData: t.bytes });
        continue;
      }
      offset = Math.ceil(offset / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
      external.push({ offset, bytes: t.bytes });
      initializer.push({
        ...base,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: externalFileName },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(t.bytes.byteLength) },
        ],
      });
      offset += t.bytes.byteLength;
    }
    const graph: onnxProto.onnx.IGraphProto = {
      name: this.name,
      node: this.#nodes,
      input: this.#inputs,
      output: this.#outputs,
      initializer,
    };
    return { graph, external };
  }

  encodeModel(graph: onnxProto.onnx.IGraphProto, opsets: Record<string, number> = DEFAULT_OPSETS): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'kaituhi-graph-builder',
      producerVersion: '1',
      opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /** Serialises to memory, weights inline (small models and tests). */
  toBytes(opsets?: Record<string, number>): Uint8Array {
    return this.encodeModel(this.toGraphProto(null).graph, opsets);
  }

  /**
   * Writes `<dir>/<fileName>` and `<dir>/<fileName>_data`, each through a temporary file renamed into place,
   * so that a crash never leaves a half-written model that looks complete.
   */
  async writeTo(dir: string, fileName: string, opsets?: Record<string, number>): Promise<string> {
    await mkdir(dir, { recursive: true });
    const dataName = `${fileName}_data`;
    const { graph, external } = this.toGraphProto(dataName);
    const modelPath = path.join(dir, fileName);
    const dataPath = path.join(dir, dataName);
    const tmpSuffix = `.tmp-${process.pid}-${Date.now()}`;
    try {
      if (external.length > 0) {
        const stream = createWriteStream(dataPath + tmpSuffix);
        let written = 0;
        for (const { offset, bytes } of external) {
          if (offset > written) {
            if (!stream.write(new Uint8Array(offset - written))) await once(stream, 'drain');
            written = offset;
          }
          if (!stream.write(bytes)) await once(stream, 'drain');
          written += bytes.byteLength;
        }
        stream.end();
        await once(stream, 'finish');
        await rename(dataPath + tmpSuffix, dataPath);
      }
      await writeFile(modelPath + tmpSuffix, this.encodeModel(graph, opsets));
      await rename(modelPath + tmpSuffix, modelPath);
    } catch (error) {
      await rm(dataPath + tmpSuffix, { force: true });
      await rm(modelPath + tmpSuffix, { force: true });
      throw error;
    }
    return modelPath;
  }
}

export const DEFAULT_OPSETS: Record<string, number> = { '': 17, 'com.microsoft': 1 };

export function bytesPerElement(type: DataTypeName): number {
  switch (type) {
    case 'float32':
    case 'int32':
      return 4;
    case 'int64':
      return 8;
    case 'float16':
      return 2;
    case 'uint8':
    case 'int8':
    case 'bool':
      return 1;
  }
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): TensorData {
  return { type: 'float32', dims, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
