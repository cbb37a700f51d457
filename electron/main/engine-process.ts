import { utilityProcess } from 'electron';
import { setPriority } from 'node:os';
import { startEngineHost, type EngineHost, type EngineLoadOptions, type HostTransport } from '../engine/index.js';

/**
 * The engine host under Electron: a utilityProcess (a Node child that Chromium supervises) running
 * engine-host-entry.js. EngineHostClient does the rest: it restarts the process when it dies (after growing
 * pauses, never with a model that killed it while loading) and emits 'crashed', 'restarted' and 'gave-up', so
 * the UI can say what happened while the text stays put.
 */
const ENGINE_NICENESS = 10;

export function spawnUtilityEngineHost(entryPath: string): HostTransport {
  const child = utilityProcess.fork(entryPath, [], { serviceName: 'Kaituhi engine', stdio: 'inherit' });
  // Inference is background work: on a machine with few cores the writer's window must win every tie.
  child.once('spawn', () => {
    try {
      if (child.pid !== undefined) setPriority(child.pid, ENGINE_NICENESS);
    } catch {
      // Not permitted here: run at normal priority.
    }
  });
  let exited = false;
  const exitListeners: Array<(reason: string) => void> = [];
  child.on('exit', (code) => {
    if (exited) return;
    exited = true;
    for (const listener of exitListeners) listener(`engine process exited with code ${code}`);
  });
  return {
    post: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => exitListeners.push(listener),
    kill: () => void child.kill(),
  };
}

export function startUtilityEngineHost(entryPath: string, options: EngineLoadOptions): Promise<EngineHost> {
  return startEngineHost(options, () => spawnUtilityEngineHost(entryPath));
}
