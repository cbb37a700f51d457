/**
 * Puts an ONNX export on the fast path: its weights are mapped onto GPT-2's tensors and Kaituhi's graph is built
 * from them, cached like a checkpoint's graph (keyed by the SHA-256 of every file the export reads). An export
 * whose weights cannot be mapped says why, and the caller runs it as it is; that verdict is cached too, so a
 * large export is not read twice for nothing.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import { graphSettings, type Gpt2Config } from '../formats/gpt2-config.js';
import { EXPORT_MAPPING_VERSION, mapExportWeights, NonFiniteWeights, UnmappableExport } from '../graph/export-weights.js';
import { buildDeviceGraph, DEVICE_GRAPH_VERSION } from '../graph/device-graph.js';
import { buildKaituhiGraph, KAITUHI_GRAPH_VERSION } from '../graph/kaituhi-graph.js';
import type { WeightPrecision } from '../graph/weights.js';
import { OnnxReadError, readOnnxModel } from '../onnx/onnx-file.js';
import type { Precision } from '../types.js';
import { cachedGraph, fileSha256, graphCacheKey, type GraphKey } from './graph-cache.js';

export type ExportGraph =
  { readonly graphFile: string; readonly precision: WeightPrecision; readonly summary: string } | { readonly fallbackReason: string };

interface BuiltExport {
  readonly precision: WeightPrecision;
  readonly summary: string;
}

const BUILT = 'export.json';

/**
 * `exportFile`: the graph holding the weights (model.onnx, decoder_model_merged.onnx or decoder_with_past_model.onnx).
 * `kind`: Kaituhi's host-cache graph, or the device graph for a GPU that keeps the cache (graph/device-graph.ts).
 */
export async function exportGraph(
  exportFile: string,
  config: Gpt2Config,
  filePrecision: Precision,
  cacheDir: string,
  kind: GraphKind = 'host',
): Promise<ExportGraph> {
  let model;
  try {
    model = await readOnnxModel(exportFile);
  } catch (error) {
    if (error instanceof OnnxReadError) return { fallbackReason: error.message };
    throw error;
  }
  const key: GraphKey = {
    weightsSha256: await filesHash(model.files, cacheDir),
    graph: graphBuilderTag(kind),
    precision: filePrecision,
    settings: { ...graphSettings(config), exportMapping: EXPORT_MAPPING_VERSION },
  };
  // The verdict that an export cannot be mapped is kept beside the graphs, so a large export is not read twice for nothing.
  const verdictFile = path.join(cacheDir, 'unmappable', `${graphCacheKey(key)}.json`);
  const verdict = await readJson<{ reason: string }>(verdictFile);
  if (verdict) return { fallbackReason: verdict.reason };
  let built: BuiltExport | null = null;
  try {
    const graphFile = await cachedGraph(cacheDir, key, async (buildDir, fileName) => {
      const mapped = await mapExportWeights(model, config, filePrecision);
      const build = kind === 'host' ? buildKaituhiGraph : buildDeviceGraph;
      const file = await build(mapped.weights, mapped.precision).writeTo(buildDir, fileName);
      built = { precision: mapped.precision, summary: mapped.summary };
      await writeFile(path.join(buildDir, BUILT), JSON.stringify(built));
      return file;
    });
    built ??= await readJson<BuiltExport>(path.join(path.dirname(graphFile), BUILT));
    return { graphFile, precision: built?.precision ?? filePrecision, summary: built?.summary ?? '' };
  } catch (error) {
    if (error instanceof NonFiniteWeights) throw new ModelLoadError(exportFile, error.message, 'the file is corrupt');
    if (!(error instanceof UnmappableExport || error instanceof OnnxReadError)) throw error;
    await mkdir(path.dirname(verdictFile), { recursive: true });
    await writeFile(verdictFile, JSON.stringify({ reason: error.message }));
    return { fallbackReason: error.message };
  }
}

/** Which of Kaituhi's graphs a cached file holds, and its version: part of every cache key. */
export type GraphKind = 'host' | 'device';

/** The builder and its version, as a built graph's cache key names it. */
export function graphBuilderTag(kind: GraphKind): string {
  return kind === 'host' ? `kaituhi-${KAITUHI_GRAPH_VERSION}` : `kaituhi-device-${DEVICE_GRAPH_VERSION}`;
}

/** One digest over every file of the export (each file's own digest is remembered by the graph cache). */
async function filesHash(files: readonly string[], cacheDir: string): Promise<string> {
  const digests: string[] = [];
  for (const file of files) digests.push(await fileSha256(file, cacheDir));
  return createHash('sha256').update(digests.join('\n')).digest('hex');
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
