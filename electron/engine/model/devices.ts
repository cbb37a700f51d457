/**
 * Creates an ORT session on the most capable execution provider that works. Providers are tried one at a
 * time, each in its own try/catch: a provider whose libraries are missing throws at create() rather than
 * falling back by itself, and the reason is kept so the UI can say why we are on the CPU.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { errorMessage } from '../../common/error-message.js';

export interface DeviceSession {
  readonly session: ort.InferenceSession;
  readonly device: string;
  readonly fallbackReason: string | null;
}

export function defaultDevices(platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case 'linux':
      return ['cuda', 'cpu'];
    case 'win32':
      return ['dml', 'cpu'];
    case 'darwin':
      return ['coreml', 'cpu'];
    default:
      return ['cpu'];
  }
}

/**
 * About the physical cores (half the logical ones above four, where hyper-threading is likely), at most 8: two
 * hyper-threads share one core's arithmetic units, so a second thread per core adds little to a matrix kernel
 * (not measured: the development machine has 2 cores). The threads do not spin either way (`createDeviceSession`).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, Math.floor(os.availableParallelism() / (os.availableParallelism() > 4 ? 2 : 1))));
}

/**
 * Intra-op threads do not spin while they wait for work: on a machine where the editor and the rest of the
 * desktop share the cores, spinning threads take the cycles the other thread of a parallel kernel needs (124M
 * int8 under load, min ms/token at ctx 32 / 1000: spinning 60 / 88, not spinning 23 / 34; test/bench/NOTES.md).
 */
export function sessionOptions(device: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/**
 * onnxruntime-node lists CUDA on every Linux x64 build, but its provider libraries arrive only when it was
 * installed with ONNXRUNTIME_NODE_INSTALL=cuda12. Checking for them first avoids a noisy failed load.
 */
function missingProviderLibrary(device: string): string | null {
  if (device !== 'cuda' || process.platform !== 'linux') return null;
  try {
    const binding = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const dir = path.join(binding, '..', 'bin', 'napi-v6', 'linux', process.arch);
    return existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'))
      ? null
      : 'CUDA provider not installed (reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm install)';
  } catch {
    return null;
  }
}

/** Execution providers that run the device graph, keeping the K/V cache in GPU buffers (gpu-buffer IO binding). */
export const RESIDENT_CACHE_DEVICES: ReadonlySet<string> = new Set(['webgpu']);

export async function createDeviceSession(
  modelFile: string,
  devices: readonly string[],
  threads: number,
  extra: Partial<ort.InferenceSession.SessionOptions> = {},
): Promise<DeviceSession> {
  const failures: string[] = [];
  const available = new Set(ort.listSupportedBackends().map((b) => b.name));
  for (const device of devices) {
    if (device !== 'cpu' && !available.has(device)) {
      failures.push(`${device}: not built into this onnxruntime-node`);
      continue;
    }
    const missing = missingProviderLibrary(device);
    if (missing) {
      failures.push(`${device}: ${missing}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(modelFile, { ...sessionOptions(device, threads), ...extra });
      return { session, device, fallbackReason: failures.length ? failures.join('; ') : null };
    } catch (error) {
      if (device === 'cpu') throw error;
      failures.push(`${device}: ${firstLine(error)}`);
    }
  }
  throw new Error(`no execution provider could run the model (${failures.join('; ')})`);
}

/** ORT's messages start with a source path and a failed assertion; the writer needs the sentence after it. */
export function firstLine(error: unknown): string {
  const line = errorMessage(error).split('\n')[0]!;
  const afterAssertion = line.split(' was false. ').at(-1)!;
  return afterAssertion.replace(/^\/onnxruntime_src\/\S+ /, '').slice(0, 300);
}
