import { spawnProcessHost, type HostTransport } from '../engine/index.js';

/**
 * The engine host under plain Node is a child process (see electron/engine/host/process-entry.ts): a kill
 * or native crash mid-inference must not take the server down with it, which a worker thread would.
 */
export function spawnEngineWorker(): HostTransport {
  return spawnProcessHost();
}
