/**
 * `npx tsx test/bench/kv-layout.ts`: the two K/V layouts on the CPU provider, A/B on the same checkpoint (the 124M
 * shape, random weights, generated if missing), same session options, same tokens of prose:
 * - host: the default KaituhiDecoder (graph/kaituhi-graph.ts), K/V position-major in preallocated host buffers, a
 *   context segment and a generated segment read in place by strided GEMMs; only the new rows come out;
 * - device: DeviceDecoder (graph/device-graph.ts), K/V head-major [B, H, T, D], each run's present fed back as the
 *   next run's past (Slice + Gather + Concat inside the graph, so each step also copies the cache).
 * Each round, for each decoder in turn (the order alternating by round): a prefill of the whole context (its first
 * token changed, so nothing is reused), then single-token decode steps. The first round also checks that the two
 * agree: the prefill's logits and every step's (max |difference|).
 *
 * Knobs (environment): KV_PRECISIONS (fp32,int8), KV_CONTEXTS (1000,32), KV_STEPS (16), KV_ROUNDS (4).
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { loadGpt2Checkpoint } from '../../electron/engine/formats/gpt2-checkpoint.js';
import { buildDeviceGraph } from '../../electron/engine/graph/device-graph.js';
import { defaultThreads, sessionOptions } from '../../electron/engine/model/devices.js';
import { loadModel } from '../../electron/engine/model/load-model.js';
import type { Decoder } from '../../electron/engine/runtime/decoder.js';
import { DeviceDecoder } from '../../electron/engine/runtime/device-decoder.js';
import { KaituhiDecoder } from '../../electron/engine/runtime/kaituhi-decoder.js';
import { argmax } from '../../electron/engine/sampling.js';
import type { Precision } from '../../electron/engine/types.js';
import { benchModel } from './models.js';
import { prose } from './prose.js';

const list = (name: string, fallback: string): string[] => (process.env[name] ?? fallback).split(',').filter(Boolean);
const PRECISIONS = list('KV_PRECISIONS', 'fp32,int8') as Precision[];
const CONTEXTS = list('KV_CONTEXTS', '1000,32').map(Number);
const STEPS = Number(process.env.KV_STEPS ?? 16);
const ROUNDS = Number(process.env.KV_ROUNDS ?? 4);
const NAMES = ['host (position-major)', 'device (head-major)'] as const;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Max |difference| relative to the largest |logit|, and on how many positions the greedy token is the same. */
function agreement(a: readonly Float32Array[], b: readonly Float32Array[]): string {
  const diff = Math.max(...a.map((l, i) => maxAbsDiff(l, b[i]!)));
  const scale = Math.max(...a.map((l) => l.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  const same = a.filter((l, i) => argmax(l) === argmax(b[i]!)).length;
  return `${diff.toExponential(1)} of ${scale.toFixed(1)}; greedy ${same}/${a.length}`;
}

function minMedian(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(1)} / ${s[Math.floor(s.length / 2)]!.toFixed(1)}`;
}

const dir = await benchModel('gpt2', 'safetensors');
const threads = defaultThreads();
const rows: string[] = [];
for (const precision of PRECISIONS) {
  const t0 = performance.now();
  const model = await loadModel({ modelDir: dir, precision, devices: ['cpu'], threads, cacheDir: path.join(dir, '.kaituhi-cache') });
  if (!(model.decoder instanceof KaituhiDecoder)) throw new Error(`the host decoder is ${model.decoder.constructor.name}`);
  const t1 = performance.now();
  const graph = buildDeviceGraph(await loadGpt2Checkpoint(dir, model.config), precision).toBytes();
  const session = await ort.InferenceSession.create(graph, sessionOptions('cpu', threads));
  const { config } = model;
  const device = new DeviceDecoder(session, {
    layers: config.nLayer,
    heads: config.nHead,
    headDim: config.nEmbd / config.nHead,
    vocabSize: config.vocabSize,
    contextWindow: config.nPositions,
  });
  process.stderr.write(
    `${precision}: host graph loaded in ${(t1 - t0).toFixed(0)} ms, device graph built and loaded in ${(performance.now() - t1).toFixed(0)} ms\n`,
  );
  const decoders: Record<(typeof NAMES)[number], Decoder> = { [NAMES[0]]: model.decoder, [NAMES[1]]: device };
  const text = model.encode(prose(1200, 5));
  for (const ctx of CONTEXTS) {
    const context = text.slice(0, ctx);
    const continuation = text.slice(ctx, ctx + STEPS);
    const prefill: Record<string, number[]> = {};
    const decode: Record<string, number[]> = {};
    const logits: Record<string, Float32Array[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      // A different first token each round: the prefix cache keeps nothing, every round is a full prefill.
      const tokens = [(context[0]! + round) % config.vocabSize, ...context.slice(1)];
      const order = round % 2 === 0 ? NAMES : ([...NAMES].reverse() as readonly string[]);
      for (const name of order) {
        const decoder = decoders[name as (typeof NAMES)[number]];
        let t = performance.now();
        const first = await decoder.setContext(tokens);
        (prefill[name] ??= []).push(performance.now() - t);
        if (first.reused !== 0) throw new Error(`${name} reused ${first.reused} tokens`);
        decoder.startGeneration(1, STEPS + 1);
        const seen = [first.logits.slice()];
        for (const token of continuation) {
          t = performance.now();
          const step = await decoder.step([token]);
          (decode[name] ??= []).push(performance.now() - t);
          if (round === 0) seen.push(step.slice());
        }
        if (round === 0) logits[name] = seen;
      }
    }
    const agree = agreement(logits[NAMES[0]]!, logits[NAMES[1]]!);
    for (const name of NAMES) {
      rows.push(`| ${precision} | ${ctx} | ${name} | ${minMedian(prefill[name]!)} | ${minMedian(decode[name]!)} | ${agree} |`);
    }
    process.stderr.write(`${rows.at(-2)}\n${rows.at(-1)}\n`);
  }
  await model.release();
  await session.release();
}
console.log(
  `\n124M shape, ${threads} threads, ${ROUNDS} rounds × ${STEPS} steps, interleaved; ms as min / median; agreement: max |logit difference| of max |logit|, and the greedy token, over the prefill and every step of round 1`,
);
console.log('| precision | ctx | decoder | prefill ms | decode ms/token | agreement |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
