/**
 * What the first-run picker needs to know about this machine. GPU presence comes from the engine's own device
 * report (the execution provider a loaded model runs on), not from guessing at drivers: a GPU the engine cannot
 * use must not earn a model that would then crawl on the CPU.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import type { EngineInfo } from '../engine/types.js';
import type { MachineProfile } from '../store/index.js';

export interface MachineFacts {
  /** The loaded model's engine info; null on a first run, when nothing has loaded yet. */
  readonly engineInfo: EngineInfo | null;
  readonly freeDiskBytes: number;
  readonly totalMemoryBytes?: number;
  /** Asks the GPU for its memory; injectable for tests. */
  readonly gpuMemory?: (device: string) => Promise<number | null>;
}

export async function gatherMachineProfile(facts: MachineFacts): Promise<MachineProfile> {
  const device = facts.engineInfo?.device ?? 'cpu';
  const hasGpu = device !== 'cpu';
  const gpuMemoryBytes = hasGpu ? await (facts.gpuMemory ?? queryGpuMemory)(device).catch(() => null) : null;
  return { hasGpu, gpuMemoryBytes, totalMemoryBytes: facts.totalMemoryBytes ?? os.totalmem(), freeDiskBytes: facts.freeDiskBytes };
}

/** CUDA only: nvidia-smi reports MiB. Other providers give no portable figure, so bigger models are not offered. */
function queryGpuMemory(device: string): Promise<number | null> {
  if (device !== 'cuda') return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], { timeout: 3000 }, (error, stdout) => {
      const mib = error ? NaN : Number(stdout.split('\n')[0]?.trim());
      resolve(Number.isFinite(mib) && mib > 0 ? mib * 1024 * 1024 : null);
    });
  });
}
