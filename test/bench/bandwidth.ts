/**
 * Memory bandwidth, STREAM-style: the "copy" kernel (bytes read + bytes written) on every core at once,
 * each thread copying its own 256 MiB (far larger than the caches), best of several rounds. TypedArray.set
 * is a memcpy, which reaches the memory system's limit where a JS loop would not. The decode floor uses it.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface Bandwidth {
  /** Bytes per second (read + write) of all threads together. */
  readonly copyAllThreads: number;
  /** The same with one thread, for context. */
  readonly copyOneThread: number;
  readonly threads: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const n = workerData.bytes / 8;
const src = new Float64Array(n).fill(1);
const dst = new Float64Array(n);
dst.set(src);
const flags = new Int32Array(workerData.flags);
parentPort.postMessage('ready');
for (let round = 0; round < workerData.rounds; round++) {
  while (Atomics.load(flags, 0) <= round) Atomics.wait(flags, 0, round, 100);
  dst.set(src);
  Atomics.add(flags, 1, 1);
  Atomics.notify(flags, 1);
}
`;

async function copyBandwidth(threads: number, bytesPerThread: number, rounds: number): Promise<number> {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes: bytesPerThread, rounds, flags: flags.buffer } }),
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
  return (2 * threads * bytesPerThread) / (best / 1000);
}

export async function measureBandwidth(): Promise<Bandwidth> {
  const threads = Math.max(1, os.availableParallelism());
  const bytes = 256 * 1024 * 1024;
  return { copyAllThreads: await copyBandwidth(threads, bytes, 6), copyOneThread: await copyBandwidth(1, bytes, 6), threads };
}
