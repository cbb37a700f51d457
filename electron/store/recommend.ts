/**
 * The first-run pick. Inline suggestions must appear while the writer pauses, so latency beats size: on a CPU the
 * int8 124M export is the best trade. Its weights run on Kaituhi's fast graph (as fast as an int8 checkpoint:
 * test/bench/NOTES.md, "every model on the fast graph"), several times faster than the export's own graph, from a
 * quarter of the checkpoint's download. A GPU with room to spare runs a bigger checkpoint in fp16. Memory figures
 * are rules of thumb with headroom, not measurements.
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
  readonly reason: string;
  /** Other variants that fit this machine, best first. */
  readonly alternatives: readonly string[];
}

const GiB = 1024 ** 3;
/** Fp16 weights plus KV cache, activations and the runtime's workspace. */
const gpuNeed = (params: number): number => params * 2 * 1.5 + 0.5 * GiB;
/** Building a graph from a checkpoint holds the fp32 weights and the graph being written. */
const ramNeedCheckpoint = (params: number): number => params * 4 * 2 + 1 * GiB;
const ramNeedInt8 = (params: number): number => params * 3 + 0.5 * GiB;

/** Best first. The CPU list starts with int8 124M (see above); distilgpt2 is the fallback for small machines. */
const GPU_ORDER = ['gpt2-xl-checkpoint', 'gpt2-large-checkpoint', 'gpt2-medium-checkpoint'];
const CPU_ORDER = ['gpt2-onnx-int8', 'distilgpt2-onnx-int8'];

interface Candidate {
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
  readonly download: { bytes: number; exact: boolean };
}

function candidate(catalog: Catalog, id: string): Candidate | null {
  const ref = findVariant(catalog, id);
  return ref === null ? null : { ...ref, download: variantDownloadSize(ref.variant) };
}

export function recommendModel(machine: MachineProfile, catalog: Catalog): Recommendation | null {
  // Leave the writer's disk some air: never fill more than 90% of what is free.
  const diskOk = (c: Candidate): boolean => c.download.bytes <= machine.freeDiskBytes * 0.9;
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
  const reason = onGpu
    ? `Your GPU has ${(machine.gpuMemoryBytes! / GiB).toFixed(0)} GB of memory: enough for ${best.model.name} in fp16, which writes better prose and still answers quickly.`
    : best.variant.id === CPU_ORDER[0]
      ? machine.hasGpu
        ? `${best.model.name} in int8 on Kaituhi's fast graph: the quickest suggestions for its quality, and it fits this machine comfortably.`
        : `No GPU found: ${best.model.name} in int8 runs on Kaituhi's fast graph, the quickest suggestions a CPU gives for its quality.`
      : `${best.model.name} in int8: the smallest model, for a machine with little memory or disk space.`;
  return {
    variantId: best.variant.id,
    modelId: best.model.id,
    name: best.model.name,
    format: best.variant.format,
    runPrecision: onGpu ? 'fp16' : best.variant.precision,
    downloadBytes: best.download.bytes,
    downloadBytesExact: best.download.exact,
    reason,
    alternatives: all.slice(1).map((c) => c.variant.id),
  };
}
