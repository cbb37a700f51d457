/** The engine's front door: everything outside electron/engine imports from here. */
export { loadEngine, LocalEngine } from './engine.js';
export {
  startEngineHost,
  EngineHostClient,
  EngineStoppedError,
  engineFailureOf,
  spawnProcessHost,
  DEFAULT_RESTART_POLICY,
  type HostTransport,
  type ProcessHostOptions,
  type RestartPolicy,
  type SpawnHost,
} from './host/engine-host.js';
export { defaultGraphCacheDir } from './model/graph-cache.js';
export { serveEngine, type HostPort } from './host/serve.js';
export { ModelLoadError, GenerationAbortedError } from './errors.js';
export { DEFAULT_SAMPLER } from './types.js';
export { StopDetector } from './stopping.js';
export { noteText, paragraphsBack } from './context-window.js';
export { activateLore, NO_LORE_STATE, type LoreState } from './lore-activation.js';
export type * from './types.js';
