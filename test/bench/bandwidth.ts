/**
 * Memory bandwidth, measured two ways on every core at once, each thread working on its own 256 MiB (far larger
 * than the caches), best of several rounds:
 * - STREAM's "copy" kernel (bytes read + bytes written): TypedArray.set is a memcpy, which reaches the memory
 *   system's limit where a JS loop would not;
 * - a read-only probe, because a decode step only reads (weights and K/V): a WebAssembly SIMD loop of 16-byte
 *   loads into four accumulators, the nearest JS gets to a streaming read.
 * The decode floor is computed from each.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface Bandwidth {
  /** Bytes per second (read + write) of all threads together. */
  readonly copyAllThreads: number;
  /** The same with one thread, for context. */
  readonly copyOneThread: number;
  /** Bytes read per second by all threads together, nothing written. */
  readonly readAllThreads: number;
  readonly readOneThread: number;
  readonly threads: number;
}

/** A WebAssembly module exporting `mem` and `read(bytes) -> f32`, summing `bytes` of memory 64 bytes per iteration. */
function readProbeModule(): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
  // acc = f32x4.add(acc, v128.load offset=off (i))
  const load = (acc: number, off: number): number[] => [0x20, acc, 0x20, 0x01, 0xfd, 0x00, 0x04, ...leb(off), 0xfd, 0xe4, 0x01, 0x21, acc];
  const body = [
    ...[0x02, 0x01, 0x7f, 0x04, 0x7b], // locals: i32 i; v128 a, b, c, d
    ...[0x03, 0x40], // loop
    ...load(2, 0),
    ...load(3, 16),
    ...load(4, 32),
    ...load(5, 48),
    ...[0x20, 0x01, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x01], // i += 64
    ...[0x20, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b], // br_if loop (i < bytes); end
    ...[0x20, 0x02, 0x20, 0x03, 0xfd, 0xe4, 0x01, 0x20, 0x04, 0xfd, 0xe4, 0x01, 0x20, 0x05, 0xfd, 0xe4, 0x01], // a + b + c + d
    ...[0xfd, 0x1f, 0x00, 0x0b], // f32x4.extract_lane 0; end
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // type (i32) -> f32
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]), // memory, 1 page to start
    ...section(7, [2, 4, 0x72, 0x65, 0x61, 0x64, 0, 0, 3, 0x6d, 0x65, 0x6d, 2, 0]), // export read, mem
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const flags = new Int32Array(workerData.flags);
let pass;
if (workerData.kind === 'copy') {
  const n = workerData.bytes / 8;
  const src = new Float64Array(n).fill(1);
  const dst = new Float64Array(n);
  dst.set(src);
  pass = () => dst.set(src);
} else {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(workerData.wasm));
  exports.mem.grow(workerData.bytes / 65536);
  new Float32Array(exports.mem.buffer).fill(1);
  pass = () => exports.read(workerData.bytes);
  pass();
}
parentPort.postMessage('ready');
for (let round = 0; round < workerData.rounds; round++) {
  while (Atomics.load(flags, 0) <= round) Atomics.wait(flags, 0, round, 100);
  pass();
  Atomics.add(flags, 1, 1);
  Atomics.notify(flags, 1);
}
`;

/** Bytes moved per second by `threads` threads, each running its pass over `bytesPerThread`, best of `rounds`. */
async function bandwidth(kind: 'copy' | 'read', threads: number, bytesPerThread: number, rounds: number): Promise<number> {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const wasm = kind === 'read' ? readProbeModule() : null;
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER_SOURCE, { eval: true, workerData: { kind, wasm, bytes: bytesPerThread, rounds, flags: flags.buffer } }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    Atomics.store(flags, 0, round + 1);
    Atomics.notify(flags, 0);
    while (Atomics.load(flags, 1) < (round + 1) * threads) await new Promise((resolve) => setTimeout(resolve, 0));
    best = Math.min(best, performance.now() - start);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return ((kind === 'copy' ? 2 : 1) * threads * bytesPerThread) / (best / 1000);
}

export async function measureBandwidth(): Promise<Bandwidth> {
  const threads = Math.max(1, os.availableParallelism());
  const bytes = 256 * 1024 * 1024;
  return {
    copyAllThreads: await bandwidth('copy', threads, bytes, 6),
    copyOneThread: await bandwidth('copy', 1, bytes, 6),
    readAllThreads: await bandwidth('read', threads, bytes, 6),
    readOneThread: await bandwidth('read', 1, bytes, 6),
    threads,
  };
}
