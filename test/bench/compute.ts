/**
 * The machine's arithmetic ceiling, for judging prefill (which is compute-bound, where decode is bandwidth-bound):
 * the FMA peak from /proc/cpuinfo, and what onnxruntime's own fp32 GEMM reaches on a prefill-shaped product.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import ort from 'onnxruntime-node';
import { sessionOptions, defaultThreads } from '../../electron/engine/model/devices.js';
import { float32Tensor, GraphBuilder } from '../../electron/engine/onnx/graph-builder.js';

export interface FmaPeak {
  readonly gflops: number;
  /** How it was computed, for the report. */
  readonly formula: string;
}

/**
 * cores × GHz × 2 FMA units × SIMD lanes × 2 flops. Two FMA pipes per core holds for every x86 core of the last
 * decade that has FMA (Haswell on, Zen on); a VM's "cpu MHz" is the nominal clock, so boost can beat this peak.
 */
export async function fmaPeak(threads = defaultThreads()): Promise<FmaPeak> {
  let mhz = os.cpus()[0]?.speed ?? 0;
  let lanes = 4;
  try {
    const info = await readFile('/proc/cpuinfo', 'utf8');
    const flags = /^flags\s*:(.*)$/m.exec(info)?.[1]?.split(/\s+/) ?? [];
    // Zen 4 (AMD family 25) runs AVX-512 on its two 256-bit FMA pipes: 8 fp32 lanes each, not 16.
    const zen4 = /^vendor_id\s*:\s*AuthenticAMD/m.test(info) && /^cpu family\s*:\s*25$/m.test(info);
    lanes = flags.includes('avx512f') && !zen4 ? 16 : flags.includes('avx2') && flags.includes('fma') ? 8 : 4;
    mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(info)?.[1] ?? mhz);
  } catch {
    // Not Linux: os.cpus() speed and SSE width.
  }
  const gflops = threads * (mhz / 1000) * 2 * lanes * 2;
  return { gflops, formula: `${threads} cores × ${(mhz / 1000).toFixed(2)} GHz × 2 FMA units × ${lanes} fp32 lanes × 2` };
}

/** Best GFLOP/s of an fp32 [512, 768] · [768, 3072] GEMM (a prefill chunk through c_fc of the 124M shape). */
export async function gemmProbe(threads = defaultThreads()): Promise<number> {
  const [M, K, N] = [512, 768, 3072];
  const g = new GraphBuilder('gemm-probe');
  const x = g.input('x', 'float32', [M, K]);
  const w = g.initializer(
    'w',
    float32Tensor(
      Float32Array.from({ length: K * N }, (_, i) => ((i % 17) - 8) / 64),
      [K, N],
    ),
  );
  g.node('Gemm', [x, w], { outputs: ['y'] });
  g.output('y', 'float32', [M, N]);
  const session = await ort.InferenceSession.create(g.toBytes(), sessionOptions('cpu', threads));
  const feeds = {
    x: new ort.Tensor(
      'float32',
      Float32Array.from({ length: M * K }, (_, i) => (i % 13) / 13),
      [M, K],
    ),
  };
  let best = Infinity;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t);
  }
  await session.release();
  return (2 * M * K * N) / (best / 1000) / 1e9;
}

/** Multiply-adds ×2 of a prefill of `tokens` through GPT-2 (linear layers, causal attention, one LM-head row per chunk). */
export function prefillFlops(config: { nLayer: number; nEmbd: number; vocabSize: number }, tokens: number, chunk: number): number {
  const { nLayer: L, nEmbd: C, vocabSize: V } = config;
  const linear = 2 * tokens * 12 * L * C * C;
  // Position t attends to t + 1 positions: QKᵀ and PV are 2 · C multiply-adds each per pair.
  const attention = 2 * 2 * L * C * ((tokens * (tokens + 1)) / 2);
  const head = 2 * Math.ceil(tokens / chunk) * C * V;
  return linear + attention + head;
}
