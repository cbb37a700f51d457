/**
 * Opens a GPT-2 folder in any supported layout and returns a ready decoder, its tokenizer and a report.
 * Checkpoints are converted by the graph builder (once; cached); so are ONNX exports, from the weights they hold
 * (export-graph.ts), which run as they are only when those cannot be mapped.
 */
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import { graphSettings, readGpt2Config, type Gpt2Config } from '../formats/gpt2-config.js';
import { checkCheckpointAgainstConfig, readGpt2Weights } from '../formats/gpt2-checkpoint.js';
import { checkOnnxAgainstConfig } from '../formats/gpt2-onnx.js';
import { readSafetensorsIndex, type SafetensorsIndex } from '../formats/safetensors.js';
import { readOnnxSignature } from '../onnx/onnx-signature.js';
import { buildKaituhiGraph } from '../graph/kaituhi-graph.js';
import { KaituhiDecoder, type DecoderShape } from '../runtime/kaituhi-decoder.js';
import { DeviceDecoder, devicePresentLocations } from '../runtime/device-decoder.js';
import { buildDeviceGraph } from '../graph/device-graph.js';
import type { Decoder } from '../runtime/decoder.js';
import { OptimumDecoder } from '../runtime/optimum-decoder.js';
import { loadTokenizer, type TextTokenizer } from '../tokenizer/index.js';
import { createCachingEncoder } from '../tokenizer/segment-cache.js';
import type { EngineInfo, EngineLoadOptions, Precision } from '../types.js';
import { createDeviceSession, defaultDevices, defaultThreads, firstLine, RESIDENT_CACHE_DEVICES, type DeviceSession } from './devices.js';
import { exportGraph, graphBuilderTag, type GraphKind } from './export-graph.js';
import { cachedGraph, defaultGraphCacheDir, fileSha256 } from './graph-cache.js';
import { detectLayout } from './layout.js';
import { errorMessage } from '../../common/error-message.js';

export interface LoadedModel {
  readonly decoder: Decoder;
  readonly tokenizer: TextTokenizer;
  /** tokenizer.encode with unchanged segments of recent texts cached: typing re-encodes only the tail. */
  readonly encode: (text: string) => number[];
  readonly config: Gpt2Config;
  readonly eosTokenId: number | null;
  readonly info: EngineInfo;
  release(): Promise<void>;
}

export async function loadModel(options: EngineLoadOptions): Promise<LoadedModel> {
  const started = performance.now();
  const modelDir = path.resolve(options.modelDir);
  const layout = await detectLayout(modelDir, options.precision);
  const configFile = path.join(modelDir, 'config.json');
  const config = await readGpt2Config(configFile);
  // Every size taken from config.json is first compared with what the weights themselves declare.
  const checkpoint = layout.kind === 'checkpoint' ? await checkCheckpoint(layout.weightsFile, config, configFile) : null;
  if (layout.kind === 'onnx') {
    checkOnnxAgainstConfig(await readOnnxSignature(layout.withPastFile), config, configFile, true);
    if (layout.noPastFile) checkOnnxAgainstConfig(await readOnnxSignature(layout.noPastFile), config, configFile, false);
  }
  const tokenizer = await loadTokenizer(modelDir);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new ModelLoadError(
      path.join(modelDir, 'tokenizer.json'),
      `vocabulary size mismatch: the tokenizer has ${tokenizer.vocabSize} tokens but config.json says vocab_size ${config.vocabSize}`,
      'the tokenizer belongs to another model',
    );
  }
  const devices = options.devices ?? defaultDevices();
  const threads = options.threads ?? defaultThreads();
  const shape = {
    layers: config.nLayer,
    heads: config.nHead,
    headDim: config.nEmbd / config.nHead,
    vocabSize: config.vocabSize,
    contextWindow: config.nPositions,
  };

  let decoder: Decoder;
  let sessions: DeviceSession[];
  let precision: Precision;
  let graph: EngineInfo['graph'] = 'kaituhi';
  let graphFallbackReason: string | null = null;
  const cacheDir = options.cacheDir ?? defaultGraphCacheDir();
  if (layout.kind === 'checkpoint') {
    const { index, names } = checkpoint!;
    precision = options.precision ?? 'fp32';
    const checkpointPrecision = precision;
    const weightsSha256 = await fileSha256(layout.weightsFile, cacheDir);
    const graphFor = (kind: GraphKind): Promise<string> =>
      cachedGraph(
        cacheDir,
        { weightsSha256, graph: graphBuilderTag(kind), precision: checkpointPrecision, settings: graphSettings(config) },
        async (dir, fileName) => {
          const weights = await readGpt2Weights(index, names, config);
          const build = kind === 'host' ? buildKaituhiGraph : buildDeviceGraph;
          return build(weights, checkpointPrecision).writeTo(dir, fileName);
        },
      );
    const opened = await openFastGraph(graphFor, devices, threads, shape);
    sessions = [opened.session];
    decoder = opened.decoder;
  } else {
    precision = layout.precision;
    const exportPrecision = precision;
    // An export runs on Kaituhi's graph built from its own weights; as it is only when they cannot be mapped.
    const fast =
      options.graph === 'as-exported'
        ? { fallbackReason: 'asked to run as exported' }
        : await exportGraph(layout.withPastFile, config, layout.precision, cacheDir);
    let opened: { decoder: Decoder; session: DeviceSession } | null = null;
    if ('graphFile' in fast) {
      const graphFor = async (kind: GraphKind): Promise<string> => {
        if (kind === 'host') return fast.graphFile;
        const built = await exportGraph(layout.withPastFile, config, exportPrecision, cacheDir, kind);
        if ('graphFile' in built) return built.graphFile;
        throw new Error(built.fallbackReason);
      };
      try {
        opened = await openFastGraph(graphFor, devices, threads, shape);
      } catch (error) {
        graphFallbackReason = `the graph built from its weights did not load: ${firstLine(error)}`;
      }
    } else graphFallbackReason = fast.fallbackReason;
    if (opened) {
      sessions = [opened.session];
      decoder = opened.decoder;
    } else {
      graph = 'as-exported';
      if (options.graph !== 'as-exported')
        console.warn(`kaituhi: ${layout.withPastFile} runs as exported, without Kaituhi's fast graph: ${graphFallbackReason}`);
      // The export's inputs and outputs were checked against config.json before anything was loaded.
      const withPast = await createSession(layout.withPastFile, devices, threads);
      const noPast = layout.noPastFile ? await createSession(layout.noPastFile, devices, threads) : null;
      sessions = noPast ? [withPast, noPast] : [withPast];
      decoder = new OptimumDecoder({ withPast: withPast.session, noPast: noPast?.session ?? null }, shape);
    }
  }
  const primary = sessions[0]!;
  const info: EngineInfo = {
    modelDir,
    modelName: path.basename(modelDir),
    format: layout.kind,
    precision,
    device: primary.device,
    fallbackReason: primary.fallbackReason,
    graph,
    graphFallbackReason,
    contextWindow: config.nPositions,
    vocabSize: config.vocabSize,
    layers: config.nLayer,
    loadMs: performance.now() - started,
  };
  return {
    decoder,
    tokenizer,
    encode: createCachingEncoder((text) => tokenizer.encode(text)),
    config,
    // The tokenizer knows its own end token ([SEP] for BERT-vocabulary Chinese GPT-2); config.json can be wrong about it.
    eosTokenId: tokenizer.eosTokenId ?? config.eosTokenId,
    info,
    release: async () => {
      for (const s of sessions) await s.session.release();
    },
  };
}

/**
 * Kaituhi's graph on the first device that takes it: the device graph (its K/V cache kept in GPU buffers) on a
 * provider that supports that, the host-cache graph on the others; the devices that failed are named in
 * fallbackReason.
 */
async function openFastGraph(
  graphFor: (kind: GraphKind) => Promise<string>,
  devices: readonly string[],
  threads: number,
  shape: DecoderShape,
): Promise<{ decoder: Decoder; session: DeviceSession }> {
  const failures: string[] = [];
  let i = 0;
  for (; i < devices.length && RESIDENT_CACHE_DEVICES.has(devices[i]!); i++) {
    const device = devices[i]!;
    try {
      const s = await createDeviceSession(await graphFor('device'), [device], threads, {
        preferredOutputLocation: devicePresentLocations(shape.layers),
      });
      return { decoder: new DeviceDecoder(s.session, shape), session: { ...s, fallbackReason: failures.join('; ') || null } };
    } catch (error) {
      failures.push(firstLine(error).replace(/^no execution provider could run the model \((.*)\)$/, '$1'));
    }
  }
  const rest = devices.slice(i).filter((d) => !RESIDENT_CACHE_DEVICES.has(d));
  if (rest.length === 0) rest.push('cpu');
  const s = await createSession(await graphFor('host'), rest, threads);
  const reasons = [...failures, s.fallbackReason].filter((r): r is string => r !== null);
  return { decoder: new KaituhiDecoder(s.session, shape), session: { ...s, fallbackReason: reasons.join('; ') || null } };
}

async function createSession(file: string, devices: readonly string[], threads: number): Promise<DeviceSession> {
  try {
    return await createDeviceSession(file, devices, threads);
  } catch (error) {
    const message = errorMessage(error);
    throw new ModelLoadError(
      file,
      `onnxruntime cannot load it: ${message.split('\n')[0]!.slice(0, 400)}`,
      'the file is corrupt, truncated, or not an ONNX model',
    );
  }
}

async function checkCheckpoint(
  weightsFile: string,
  config: Gpt2Config,
  configFile: string,
): Promise<{ index: SafetensorsIndex; names: Map<string, string> }> {
  const index = await readSafetensorsIndex(weightsFile);
  return { index, names: checkCheckpointAgainstConfig(index, config, configFile) };
}
