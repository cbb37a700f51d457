/**
 * `npx tsx test/bench/qgemm.ts`: one prefill-shaped linear layer, [M, K] · [K, N] + bias (c_fc of the 124M shape at
 * M = PREFILL_CHUNK rows), as a one-op graph per way of computing it, timed interleaved (one run of each per round):
 * - fp32 Gemm and 8-bit MatMulNBits (block 32, accuracy_level 4), emitted by `linear()` exactly as the graphs do;
 * - onnxruntime's dynamic quantization as an export carries it (DynamicQuantizeLinear + MatMulInteger, int8 weights,
 *   one scale per tensor: `dynamicMatMul()`), and the fused com.microsoft DynamicQuantizeMatMul on the same weights.
 *   Both quantize the activations per call (u8) and run MLAS's u8s8 QGEMM.
 * Prints GFLOP/s (2·M·K·N / time) as min-time and median-time figures, and each output's error against fp32, on
 * the timed input and on one with two outlier channels (real GPT-2's residual stream has a few channels far larger
 * than the rest; one scale for the whole input, as the dynamic quantizers use, spends its range on them).
 *
 * Knobs (environment): QGEMM_M (512; a list runs each), QGEMM_K (768), QGEMM_N (3072), QGEMM_ROUNDS (40).
 */
import os from 'node:os';
import ort from 'onnxruntime-node';
import { defaultThreads, sessionOptions } from '../../electron/engine/model/devices.js';
import { dynamicInitializers, dynamicMatMul, dynamicQuantize } from '../../electron/engine/graph/optimum-graph.js';
import { linear, type WeightPrecision } from '../../electron/engine/graph/weights.js';
import { float32Tensor, GraphBuilder } from '../../electron/engine/onnx/graph-builder.js';
import { PREFILL_CHUNK } from '../../electron/engine/runtime/kaituhi-decoder.js';
import { fmaPeak } from './compute.js';

const list = (name: string, fallback: string): number[] => (process.env[name] ?? fallback).split(',').filter(Boolean).map(Number);
const ROWS = list('QGEMM_M', String(PREFILL_CHUNK));
const [K] = list('QGEMM_K', '768') as [number];
const [N] = list('QGEMM_N', '3072') as [number];
const [ROUNDS] = list('QGEMM_ROUNDS', '40') as [number];

/** Deterministic values uniform in [-amplitude, amplitude]. */
function uniform(length: number, amplitude: number, seed: number): Float32Array {
  let x = seed >>> 0;
  return Float32Array.from({ length }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return ((x / 2 ** 32) * 2 - 1) * amplitude;
  });
}

// GPT-2's linear weights are about N(0, 0.02); the input of c_fc is layer-normed, about N(0, 1).
const weight = uniform(K * N, 0.035, 1);
const bias = uniform(N, 0.02, 2);
/** Two input channels scaled up, as a stand-in for GPT-2's outlier features (which channels does not matter here). */
const OUTLIER_CHANNELS = [138, 447];
const OUTLIER_GAIN = 20;

type Variant = (g: GraphBuilder, x: string) => string;

const linearAs =
  (precision: WeightPrecision): Variant =>
  (g, x) =>
    linear(g, x, 'fc', { kn: weight }, K, N, bias, precision, { rank2: true });

/** One int8 weight and scale for the whole tensor, as onnxruntime's quantizer and Transformers.js's q8 files store it. */
const perTensor = dynamicQuantize(weight, K, N, 'int8');
const biasOf = (g: GraphBuilder): string => g.initializer('fc.bias', float32Tensor(bias, [N]));

const VARIANTS: Record<string, Variant> = {
  'fp32 Gemm': linearAs('fp32'),
  'MatMulNBits 8-bit b32 acc4': linearAs('int8'),
  'DynamicQuantizeLinear+MatMulInteger': (g, x) => {
    const [b, scale, zero] = dynamicInitializers(g, 'fc', perTensor, [K, N]);
    return g.op('Add', [dynamicMatMul(g, x, b, scale, zero), biasOf(g)]);
  },
  DynamicQuantizeMatMul: (g, x) => {
    const [b, scale, zero] = dynamicInitializers(g, 'fc', perTensor, [K, N]);
    return g.op('DynamicQuantizeMatMul', [x, b, scale, zero, biasOf(g)], {}, 'com.microsoft');
  },
};

async function session(variant: Variant, m: number, threads: number): Promise<ort.InferenceSession> {
  const g = new GraphBuilder('qgemm-probe');
  const x = g.input('x', 'float32', [m, K]);
  g.output(variant(g, x), 'float32', [m, N]);
  return ort.InferenceSession.create(g.toBytes(), sessionOptions('cpu', threads));
}

/** max |y − ref| / max |ref|: the error against the output's own range. */
function relativeError(y: Float32Array, ref: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    err = Math.max(err, Math.abs(y[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / scale;
}

const threads = defaultThreads();
const peak = await fmaPeak(threads);
console.log(
  `${os.cpus()[0]?.model ?? 'cpu'}, ${threads} threads; fp32 FMA peak as compute.ts counts it: ${peak.gflops.toFixed(0)} GFLOP/s (${peak.formula})`,
);
for (const m of ROWS) {
  const flops = 2 * m * K * N;
  const sessions = Object.fromEntries(
    await Promise.all(Object.entries(VARIANTS).map(async ([name, v]) => [name, await session(v, m, threads)] as const)),
  );
  const input = uniform(m * K, 1.7, 3);
  const feeds = { x: new ort.Tensor('float32', input, [m, K]) };
  const outliers = input.map((v, i) => (OUTLIER_CHANNELS.includes(i % K) ? v * OUTLIER_GAIN : v));
  const outputs: Record<string, Float32Array> = {};
  const outlierOutputs: Record<string, Float32Array> = {};
  for (const [name, s] of Object.entries(sessions)) {
    outputs[name] = (await s.run(feeds))[s.outputNames[0]!]!.data as Float32Array;
    outlierOutputs[name] = (await s.run({ x: new ort.Tensor('float32', outliers, [m, K]) }))[s.outputNames[0]!]!.data as Float32Array;
  }
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, s] of Object.entries(sessions)) {
      const t = performance.now();
      await s.run(feeds);
      (times[name] ??= []).push(performance.now() - t);
    }
  }
  console.log(`\n[${m}×${K}]·[${K}×${N}] + bias, ${(flops / 1e9).toFixed(2)} GFLOP a run, ${ROUNDS} interleaved rounds:`);
  console.log(`| way | ms min / median | GFLOP/s best / median | error vs fp32 | with outliers ×${OUTLIER_GAIN} |`);
  console.log('| --- | --- | --- | --- | --- |');
  const error = (ys: Record<string, Float32Array>, name: string): string => relativeError(ys[name]!, ys['fp32 Gemm']!).toExponential(1);
  for (const [name, ts] of Object.entries(times)) {
    const s = [...ts].sort((a, b) => a - b);
    const [min, median] = [s[0]!, s[Math.floor(s.length / 2)]!];
    const gflops = (ms: number): string => (flops / (ms / 1000) / 1e9).toFixed(1);
    console.log(
      `| ${name} | ${min.toFixed(2)} / ${median.toFixed(2)} | ${gflops(min)} / ${gflops(median)} | ${error(outputs, name)} | ${error(outlierOutputs, name)} |`,
    );
  }
  for (const s of Object.values(sessions)) await s.release();
}
