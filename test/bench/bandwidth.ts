/**
 * Memory bandwidth as the engine sees it: ONNX Runtime reducing a 512 MiB array that is far larger than
 * the caches, on the same threads the engine uses (a GEMV streams its weights the same way). Best of
 * several runs; also a single-threaded JS copy for context.
 */
import ort from 'onnxruntime-node';
import { defaultThreads } from '../../electron/engine/model/devices.js';
import { GraphBuilder } from '../../electron/engine/onnx/graph-builder.js';

export interface Bandwidth {
  /** Bytes per second ORT reads with the engine's thread count. */
  readonly ortRead: number;
  /** Bytes per second (read + write) of one JS thread's memcpy. */
  readonly jsCopy: number;
}

export async function measureBandwidth(megabytes = 512, repeats = 6): Promise<Bandwidth> {
  const n = (megabytes * 1024 * 1024) / 4;
  const g = new GraphBuilder('bandwidth');
  g.input('x', 'float32', [n]);
  g.node('ReduceSum', ['x'], { outputs: ['sum'], attrs: { keepdims: 0 } });
  g.output('sum', 'float32', []);
  const session = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: defaultThreads(), graphOptimizationLevel: 'all' });
  const data = new Float32Array(n).fill(1);
  const x = new ort.Tensor('float32', data, [n]);
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await session.run({ x });
    best = Math.min(best, performance.now() - t);
  }
  await session.release();

  const src = new Float64Array(n / 2).fill(1);
  const dst = new Float64Array(n / 2);
  let bestCopy = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    dst.set(src);
    bestCopy = Math.min(bestCopy, performance.now() - t);
  }
  return { ortRead: (n * 4) / (best / 1000), jsCopy: (2 * n * 4) / (bestCopy / 1000) };
}
