/**
 * The first-run pick. Inline suggestions must appear while the writer pauses, so latency beats size: on a CPU the
 * int8 124M graph (about 12 ms a token with 1,000 tokens of context on the 2-core development machine,
 * test/bench/NOTES.md) is the best trade; a GPU with room to spare runs a bigger checkpoint in fp16. Memory figures are rules of thumb with headroom, not measurements.
 */
import { findVariant, variantDownloadSize, type Catalog, type CatalogModel, type CatalogVariant } from './catalog.js';

export interface MachineProfile {
  readonly hasGpu: boolean;
  /** Memory of the GPU the engine would use; null when unknown. */
  readonly gpuMemoryBytes: number | null;
  readonly totalMemoryBytes: number;
  readonly freeDiskBytes: number;
}

export interface Recommendation {
  readonly variantId: string;
  readonly modelId: string;
  readonly name: string;
  readonly format: CatalogVariant['format'];
  /** The precision it will run in (a checkpoint on a GPU is built as fp16). */
  readonly runPrecision: CatalogVariant['precision'];
  readonly downloadBytes: number;
  /** False when the catalog only estimates the size (the hub gives the exact one when the download starts). */
  readonly downloadBytesExact: boolean;
  /** Why this one; the picker says it in the writer's language. */
  readonly reason: RecommendationReason;
  /** Other variants that fit this machine, best first. */
  readonly alternatives: readonly string[];
}

export type RecommendationReason =
  { readonly kind: 'gpu'; readonly gpuGiB: number } | { readonly kind: 'cpu' | 'no-gpu' | 'small' | 'chinese' | 'chinese-small' };

/** The writer's language, as far as the first pick cares: a Chinese interface gets a Chinese model. */
export type WriterLanguage = 'en' | 'zh';

const GiB = 1024 ** 3;
/** Fp16 weights plus KV cache, activations and the runtime's workspace. */
const gpuNeed = (params: number): number => params * 2 * 1.5 + 0.5 * GiB;
/** Building a graph from a checkpoint holds the fp32 weights and the graph being written. */
const ramNeedCheckpoint = (params: number): number => params * 4 * 2 + 1 * GiB;
const ramNeedInt8 = (params: number): number => params * 3 + 0.5 * GiB;

/** Best first. The CPU list starts with int8 124M (see above); distilgpt2 is the fallback for small machines. */
const GPU_ORDER = ['gpt2-xl-checkpoint', 'gpt2-large-checkpoint', 'gpt2-medium-checkpoint'];
const CPU_ORDER = ['gpt2-onnx-int8', 'distilgpt2-onnx-int8'];
/**
 * A Chinese writer: modern Chinese prose first (the 6-layer distil for a small machine), then the specialised
 * uer models (classical prose, poems, couplets, lyrics) as alternatives. All are checkpoints built on first load.
 */
const CHINESE_ORDER = ['gpt2-chinese-checkpoint', 'gpt2-chinese-distil-checkpoint'];
const CHINESE_ALSO = [
  'gpt2-chinese-ancient-checkpoint',
  'gpt2-chinese-poem-checkpoint',
  'gpt2-chinese-couplet-checkpoint',
  'gpt2-chinese-lyric-checkpoint',
];

interface Candidate {
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
  readonly download: { bytes: number; exact: boolean };
}

function candidate(catalog: Catalog, id: string): Candidate | null {
  const ref = findVariant(catalog, id);
  return ref === null ? null : { ...ref, download: variantDownloadSize(ref.variant) };
}

export function recommendModel(machine: MachineProfile, catalog: Catalog, language: WriterLanguage = 'en'): Recommendation | null {
  // Leave the writer's disk some air: never fill more than 90% of what is free.
  const diskOk = (c: Candidate): boolean => c.download.bytes <= machine.freeDiskBytes * 0.9;
  if (language === 'zh') {
    const fits = (id: string): Candidate[] => {
      const c = candidate(catalog, id);
      return c !== null && diskOk(c) && ramNeedCheckpoint(c.model.parameters) <= machine.totalMemoryBytes ? [c] : [];
    };
    const chinese = CHINESE_ORDER.flatMap(fits);
    const best = chinese[0];
    if (best !== undefined) {
      const english = recommendModel(machine, catalog, 'en');
      const alternatives = [...chinese.slice(1), ...CHINESE_ALSO.flatMap(fits)].map((c) => c.variant.id);
      if (english) alternatives.push(english.variantId, ...english.alternatives);
      const kind = best.variant.id === CHINESE_ORDER[0] ? 'chinese' : 'chinese-small';
      return recommendation(best, best.variant.precision, { kind }, alternatives);
    }
  }
  const gpuFits: Candidate[] = [];
  if (machine.hasGpu && machine.gpuMemoryBytes !== null) {
    for (const id of GPU_ORDER) {
      const c = candidate(catalog, id);
      if (c === null) continue;
      // The built fp16 graph is cached on disk next to the download.
      const diskNeed = { ...c, download: { ...c.download, bytes: c.download.bytes * 1.5 } };
      if (
        gpuNeed(c.model.parameters) <= machine.gpuMemoryBytes &&
        ramNeedCheckpoint(c.model.parameters) <= machine.totalMemoryBytes &&
        diskOk(diskNeed)
      )
        gpuFits.push(c);
    }
  }
  const cpuFits = CPU_ORDER.map((id) => candidate(catalog, id)).filter(
    (c): c is Candidate => c !== null && diskOk(c) && ramNeedInt8(c.model.parameters) <= machine.totalMemoryBytes,
  );
  const all = [...gpuFits, ...cpuFits];
  const best = all[0];
  if (best === undefined) return null;
  const onGpu = gpuFits.includes(best);
  const reason: RecommendationReason = onGpu
    ? { kind: 'gpu', gpuGiB: Math.round(machine.gpuMemoryBytes! / GiB) }
    : best.variant.id === CPU_ORDER[0]
      ? { kind: machine.hasGpu ? 'cpu' : 'no-gpu' }
      : { kind: 'small' };
  return recommendation(
    best,
    onGpu ? 'fp16' : best.variant.precision,
    reason,
    all.slice(1).map((c) => c.variant.id),
  );
}

function recommendation(
  best: Candidate,
  runPrecision: Recommendation['runPrecision'],
  reason: RecommendationReason,
  alternatives: readonly string[],
): Recommendation {
  return {
    variantId: best.variant.id,
    modelId: best.model.id,
    name: best.model.name,
    format: best.variant.format,
    runPrecision,
    downloadBytes: best.download.bytes,
    downloadBytesExact: best.download.exact,
    reason,
    alternatives,
  };
}
