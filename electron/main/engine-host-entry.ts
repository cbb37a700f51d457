/**
 * Runs inside the engine's utilityProcess. It is plain Node plus `process.parentPort`; it must not
 * import 'electron' (that module is the main process's), only the engine.
 */
import { serveEngine } from '../engine/index.js';

const port = process.parentPort;
serveEngine({
  post: (message) => port.postMessage(message),
  onMessage: (listener) => port.on('message', (event) => listener(event.data)),
});
