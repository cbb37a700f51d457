/**
 * Opens a GPT-2 folder in any supported layout and returns a ready decoder, its tokenizer and a report.
 * Checkpoints are converted by the graph builder (once; cached); ONNX exports run as they are.
 */
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import { readGpt2Config, type Gpt2Config } from '../formats/gpt2-config.js';
import { checkCheckpointAgainstConfig, readGpt2Weights } from '../formats/gpt2-checkpoint.js';
import { checkOnnxAgainstConfig } from '../formats/gpt2-onnx.js';
import { readSafetensorsIndex, type SafetensorsIndex } from '../formats/safetensors.js';
import { readOnnxSignature } from '../onnx/onnx-signature.js';
import { buildKaituhiGraph, KAITUHI_GRAPH_VERSION } from '../graph/kaituhi-graph.js';
import { KaituhiDecoder } from '../runtime/kaituhi-decoder.js';
import type { Decoder } from '../runtime/decoder.js';
import { OptimumDecoder } from '../runtime/optimum-decoder.js';
import { loadTokenizer, type TextTokenizer } from '../tokenizer/index.js';
import { createCachingEncoder } from '../tokenizer/segment-cache.js';
import type { EngineInfo, EngineLoadOptions, Precision } from '../types.js';
import { createDeviceSession, defaultDevices, defaultThreads, type DeviceSession } from './devices.js';
import { cachedGraph, defaultGraphCacheDir, fileSha256 } from './graph-cache.js';
import { detectLayout } from './layout.js';

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
  if (layout.kind === 'checkpoint') {
    const { index, names } = checkpoint!;
    precision = options.precision ?? 'fp32';
    const cacheDir = options.cacheDir ?? defaultGraphCacheDir();
    const key = {
      weightsSha256: await fileSha256(layout.weightsFile, cacheDir),
      graph: `kaituhi-${KAITUHI_GRAPH_VERSION}`,
      precision,
      settings: {
        n_layer: config.nLayer,
        n_head: config.nHead,
        n_embd: config.nEmbd,
        n_positions: config.nPositions,
        vocab_size: config.vocabSize,
        layer_norm_epsilon: config.layerNormEpsilon,
      },
    };
    const graphFile = await cachedGraph(cacheDir, key, async (dir, fileName) => {
      const weights = await readGpt2Weights(index, names, config);
      return buildKaituhiGraph(weights, precision).writeTo(dir, fileName);
    });
    const s = await createSession(graphFile, devices, threads);
    sessions = [s];
    decoder = new KaituhiDecoder(s.session, shape);
  } else {
    precision = layout.precision;
    const withPast = await createSession(layout.withPastFile, devices, threads);
    const noPast = layout.noPastFile ? await createSession(layout.noPastFile, devices, threads) : null;
    sessions = noPast ? [withPast, noPast] : [withPast];
    decoder = new OptimumDecoder({ withPast: withPast.session, noPast: noPast?.session ?? null }, shape);
  }
  const primary = sessions[0]!;
  const info: EngineInfo = {
    modelDir,
    modelName: path.basename(modelDir),
    format: layout.kind,
    precision,
    device: primary.device,
    fallbackReason: primary.fallbackReason,
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

async function createSession(file: string, devices: readonly string[], threads: number): Promise<DeviceSession> {
  try {
    return await createDeviceSession(file, devices, threads);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
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
