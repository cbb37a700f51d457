/**
 * Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw data).
 * Every offset in the header is checked against the file before a byte is trusted: a truncated download
 * or a header that lies must end in a ModelLoadError naming the file, never in a crash or garbage weights.
 */
import { open, rename, rm } from 'node:fs/promises';
import { ModelLoadError, openModelFile } from '../errors.js';
import { float16ToFloat32, bfloat16ToFloat32 } from './half.js';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute byte range in the file. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsIndex {
  readonly file: string;
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A header larger than this is not a real checkpoint's (GPT-2 XL's is ~40 KB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function readSafetensorsIndex(file: string): Promise<SafetensorsIndex> {
  const handle = await openModelFile(file);
  try {
    const { size } = await handle.stat();
    if (size < 8)
      throw new ModelLoadError(file, `file is ${size} bytes, too short for a safetensors header`, 'the download was probably cut off');
    const lenBuf = Buffer.alloc(8);
    await handle.read(lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen <= 1 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
      throw new ModelLoadError(
        file,
        `header length ${headerLen} does not fit a ${size}-byte file`,
        'the file is truncated or not safetensors',
      );
    }
    const headerBuf = Buffer.alloc(headerLen);
    await handle.read(headerBuf, 0, headerLen, 8);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBuf));
    } catch {
      throw new ModelLoadError(file, 'the header is not valid JSON', 'the file is corrupt');
    }
    if (!isRecord(header)) throw new ModelLoadError(file, 'the header is not a JSON object');
    const dataStart = 8 + headerLen;
    const dataSize = size - dataStart;
    const tensors = new Map<string, TensorEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (isRecord(raw)) metadata = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
        continue;
      }
      tensors.set(name, parseEntry(file, name, raw, dataStart, dataSize));
    }
    checkNoOverlap(file, [...tensors.values()]);
    return { file, tensors, metadata };
  } finally {
    await handle.close();
  }
}

function parseEntry(file: string, name: string, raw: unknown, dataStart: number, dataSize: number): TensorEntry {
  if (!isRecord(raw)) throw new ModelLoadError(file, `tensor ${name}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES))
    throw new ModelLoadError(file, `tensor ${name}: unsupported dtype ${String(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ModelLoadError(file, `tensor ${name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new ModelLoadError(file, `tensor ${name}: data_offsets ${JSON.stringify(offsets)} are not two byte offsets`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
  if (end < begin || end - begin !== expected) {
    throw new ModelLoadError(
      file,
      `tensor ${name}: offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`,
    );
  }
  if (end > dataSize) {
    throw new ModelLoadError(
      file,
      `tensor ${name}: data ends at byte ${end} but the file holds only ${dataSize} bytes of data`,
      'the file is truncated',
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end };
}

function checkNoOverlap(file: string, entries: TensorEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.begin < prev.end)
      throw new ModelLoadError(file, `tensors ${prev.name} and ${cur.name} overlap in the file`, 'the header is corrupt');
  }
}

/** Reads the named tensors as float32, converting F16 / BF16 / F64. */
export async function readTensorsAsFloat32(index: SafetensorsIndex, names: Iterable<string>): Promise<Map<string, Float32Array>> {
  const handle = await open(index.file, 'r');
  try {
    const out = new Map<string, Float32Array>();
    for (const name of names) {
      const entry = index.tensors.get(name);
      if (!entry) throw new ModelLoadError(index.file, `tensor ${name} is missing`);
      const bytes = new Uint8Array(entry.end - entry.begin);
      const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, entry.begin);
      if (bytesRead !== bytes.byteLength) throw new ModelLoadError(index.file, `tensor ${name}: file ended early`, 'the file is truncated');
      out.set(name, toFloat32(index.file, entry, bytes));
    }
    return out;
  } finally {
    await handle.close();
  }
}

function toFloat32(file: string, entry: TensorEntry, bytes: Uint8Array): Float32Array {
  switch (entry.dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    case 'F16':
      return float16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
    case 'F64':
      return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8));
    default:
      throw new ModelLoadError(file, `tensor ${entry.name}: dtype ${entry.dtype} cannot be used as weights`);
  }
}

/** Writes float32 tensors as a safetensors file, atomically (temporary file, then rename). */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, Float32Array>,
  shapes: ReadonlyMap<string, readonly number[]>,
  metadata: Record<string, string> = { format: 'pt' },
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, data] of tensors) {
    const shape = shapes.get(name);
    if (!shape) throw new Error(`no shape for ${name}`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  // The spec pads the header with spaces so that the data starts 8-byte aligned.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.write(lenBuf);
    await handle.write(headerBytes);
    for (const data of tensors.values()) await handle.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, file);
}
