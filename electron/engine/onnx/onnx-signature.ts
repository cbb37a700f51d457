/**
 * What an ONNX file declares, read without its tensors: the graph's inputs and outputs with their shapes, and each
 * initializer's name, type, dims and where its bytes lie. The loader compares this with config.json before
 * onnxruntime allocates anything; a reader of weights can take an initializer's bytes straight from its offset.
 *
 * The protobuf is walked field by field with positioned reads, skipping nodes and tensor data, so a 600 MB export
 * costs a few hundred small reads. Every length is checked against its enclosing message: a truncated or forged
 * file ends in a ModelLoadError, never in a read past the end or an allocation sized by the file's own claims.
 */
import type { FileHandle } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { ModelLoadError, openModelFile } from '../errors.js';

const { onnx } = onnxProto;

export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  readonly name: string;
  /** TensorProto.DataType; 0 when the value is not a tensor. */
  readonly elemType: number;
  /** null when the graph leaves the rank open. */
  readonly dims: readonly OnnxDim[] | null;
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Byte range of raw_data inside this file, for tensors stored inline. */
  readonly raw: { readonly offset: number; readonly length: number } | null;
  /** For tensors stored beside the model (data_location EXTERNAL). */
  readonly external: { readonly location: string; readonly offset: number; readonly length: number | null } | null;
}

export interface OnnxSignature {
  readonly file: string;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: readonly OnnxInitializer[];
}

/** A graph input or output is a name and a type; anything near this size is not one. */
const MAX_VALUE_INFO_BYTES = 1 << 20;
const MAX_NAME_BYTES = 64 * 1024;
const WINDOW_BYTES = 64 * 1024;

const enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

interface Field {
  readonly number: number;
  readonly wire: number;
  /** For varints: the value (64-bit, as a signed bigint). */
  readonly value: bigint;
  /** For length-delimited fields: where the payload starts and ends. */
  readonly start: number;
  readonly end: number;
}

/** Positioned reads through one cached window: the walker's many small reads mostly hit memory. */
class WindowReader {
  #window = Buffer.alloc(0);
  #windowStart = 0;

  readonly #handle: FileHandle;
  readonly #fail: (problem: string) => ModelLoadError;

  constructor(
    handle: FileHandle,
    readonly size: number,
    fail: (problem: string) => ModelLoadError,
  ) {
    this.#handle = handle;
    this.#fail = fail;
  }

  async byteAt(pos: number): Promise<number> {
    if (pos < this.#windowStart || pos >= this.#windowStart + this.#window.length) await this.#load(pos);
    const byte = this.#window[pos - this.#windowStart];
    if (byte === undefined) throw this.#fail(`the file ends at byte ${this.size}, inside a message`);
    return byte;
  }

  async bytes(start: number, end: number): Promise<Buffer> {
    const out = Buffer.alloc(end - start);
    const { bytesRead } = await this.#handle.read(out, 0, out.length, start);
    if (bytesRead !== out.length) throw this.#fail('the file ended early');
    return out;
  }

  async #load(pos: number): Promise<void> {
    const length = Math.max(0, Math.min(WINDOW_BYTES, this.size - pos));
    const window = Buffer.alloc(length);
    const { bytesRead } = await this.#handle.read(window, 0, length, pos);
    this.#window = window.subarray(0, bytesRead);
    this.#windowStart = pos;
  }
}

class Walker {
  readonly #reader: WindowReader;
  readonly #fail: (problem: string) => ModelLoadError;

  constructor(reader: WindowReader, fail: (problem: string) => ModelLoadError) {
    this.#reader = reader;
    this.#fail = fail;
  }

  async #varint(pos: number, end: number): Promise<{ value: bigint; next: number }> {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos + i >= end) throw this.#fail('a number runs past the end of its message');
      const byte = await this.#reader.byteAt(pos + i);
      value |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return { value: BigInt.asIntN(64, value), next: pos + i + 1 };
    }
    throw this.#fail('a number is longer than ten bytes');
  }

  /** The fields of the message in [start, end), one at a time; length-delimited payloads are not read. */
  async *fields(start: number, end: number): AsyncGenerator<Field> {
    let pos = start;
    while (pos < end) {
      const tag = await this.#varint(pos, end);
      pos = tag.next;
      const key = Number(BigInt.asUintN(32, tag.value));
      const number = key >>> 3;
      const wire = key & 7;
      if (number === 0) throw this.#fail('a field has number 0');
      switch (wire) {
        case Wire.Varint: {
          const v = await this.#varint(pos, end);
          yield { number, wire, value: v.value, start: pos, end: v.next };
          pos = v.next;
          break;
        }
        case Wire.Fixed64:
        case Wire.Fixed32: {
          const next = pos + (wire === Wire.Fixed64 ? 8 : 4);
          if (next > end) throw this.#fail('a fixed-size field runs past the end of its message');
          yield { number, wire, value: 0n, start: pos, end: next };
          pos = next;
          break;
        }
        case Wire.Bytes: {
          const len = await this.#varint(pos, end);
          const payloadEnd = len.next + Number(len.value);
          if (len.value < 0n || payloadEnd > end) {
            throw this.#fail(`a field of ${len.value} bytes at byte ${len.next} runs past the end of its message (byte ${end})`);
          }
          yield { number, wire, value: len.value, start: len.next, end: payloadEnd };
          pos = payloadEnd;
          break;
        }
        default:
          throw this.#fail(`field ${number} has wire type ${wire}, which ONNX does not use`);
      }
    }
  }

  async text(field: Field, what: string): Promise<string> {
    if (field.wire !== Wire.Bytes) throw this.#fail(`${what} is not a string`);
    if (field.end - field.start > MAX_NAME_BYTES) throw this.#fail(`${what} is ${field.end - field.start} bytes long`);
    return (await this.#reader.bytes(field.start, field.end)).toString('utf8');
  }

  async varints(field: Field): Promise<bigint[]> {
    if (field.wire === Wire.Varint) return [field.value];
    if (field.wire !== Wire.Bytes) throw this.#fail('a list of numbers has the wrong wire type');
    const out: bigint[] = [];
    for (let pos = field.start; pos < field.end;) {
      const v = await this.#varint(pos, field.end);
      out.push(v.value);
      pos = v.next;
    }
    return out;
  }
}

function safeNumber(value: bigint, what: string, fail: (problem: string) => ModelLoadError): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`${what} is ${value}`);
  return Number(value);
}

async function readTensorHeader(walker: Walker, field: Field, fail: (problem: string) => ModelLoadError): Promise<OnnxInitializer> {
  let name = '';
  let dataType = 0;
  const dims: number[] = [];
  let raw: OnnxInitializer['raw'] = null;
  let external = false;
  const entries = new Map<string, string>();
  for await (const f of walker.fields(field.start, field.end)) {
    if (f.number === 1) for (const d of await walker.varints(f)) dims.push(safeNumber(d, 'a tensor dimension', fail));
    else if (f.number === 2 && f.wire === Wire.Varint) dataType = Number(f.value);
    else if (f.number === 8) name = await walker.text(f, 'a tensor name');
    else if (f.number === 9 && f.wire === Wire.Bytes) raw = { offset: f.start, length: f.end - f.start };
    else if (f.number === 14 && f.wire === Wire.Varint) external = f.value === 1n;
    else if (f.number === 13 && f.wire === Wire.Bytes) {
      let key = '';
      let value = '';
      for await (const kv of walker.fields(f.start, f.end)) {
        if (kv.number === 1) key = await walker.text(kv, 'an external data key');
        else if (kv.number === 2) value = await walker.text(kv, 'an external data value');
      }
      entries.set(key, value);
    }
  }
  const location = entries.get('location');
  const offset = Number(entries.get('offset') ?? '0');
  const length = entries.has('length') ? Number(entries.get('length')) : null;
  if (external && (location === undefined || !Number.isSafeInteger(offset) || (length !== null && !Number.isSafeInteger(length)))) {
    throw fail(`initializer ${name} says its data is stored elsewhere but not where`);
  }
  return { name, dataType, dims, raw, external: external ? { location: location!, offset, length } : null };
}

function decodeValueInfo(bytes: Buffer, fail: (problem: string) => ModelLoadError): OnnxValueInfo {
  let info: onnxProto.onnx.ValueInfoProto;
  try {
    info = onnx.ValueInfoProto.decode(bytes);
  } catch {
    throw fail('a graph input or output is malformed');
  }
  const tensor = info.type?.tensorType;
  const dims = tensor?.shape?.dim?.map((d): OnnxDim => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue !== undefined && d.dimValue !== null) return Number(d.dimValue);
    return null;
  });
  return { name: info.name ?? '', elemType: tensor?.elemType ?? 0, dims: tensor?.shape ? (dims ?? []) : null };
}

export async function readOnnxSignature(file: string): Promise<OnnxSignature> {
  const fail = (problem: string): ModelLoadError =>
    new ModelLoadError(file, problem, 'the file is corrupt, truncated, or not an ONNX model');
  const handle = await openModelFile(file);
  try {
    const { size } = await handle.stat();
    const reader = new WindowReader(handle, size, fail);
    const walker = new Walker(reader, fail);
    const inputs: OnnxValueInfo[] = [];
    const outputs: OnnxValueInfo[] = [];
    const initializers: OnnxInitializer[] = [];
    let graphs = 0;
    for await (const top of walker.fields(0, size)) {
      // ModelProto.graph is field 7; everything else at the top (opsets, producer, metadata) is not needed here.
      if (top.number !== 7 || top.wire !== Wire.Bytes) continue;
      graphs += 1;
      for await (const f of walker.fields(top.start, top.end)) {
        if (f.wire !== Wire.Bytes) continue;
        if (f.number === 5) initializers.push(await readTensorHeader(walker, f, fail));
        else if (f.number === 11 || f.number === 12) {
          if (f.end - f.start > MAX_VALUE_INFO_BYTES)
            throw fail(`a graph ${f.number === 11 ? 'input' : 'output'} is ${f.end - f.start} bytes long`);
          const info = decodeValueInfo(await reader.bytes(f.start, f.end), fail);
          (f.number === 11 ? inputs : outputs).push(info);
        }
      }
    }
    if (graphs !== 1) throw fail(graphs === 0 ? 'it holds no graph' : `it holds ${graphs} graphs`);
    return { file, inputs, outputs, initializers };
  } finally {
    await handle.close();
  }
}
