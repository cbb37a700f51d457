/** Entry point of the engine host under plain Node: a worker thread. */
import { parentPort } from 'node:worker_threads';
import { serveEngine } from './serve.js';

if (!parentPort) throw new Error('worker-entry must run in a worker thread');
const port = parentPort;
serveEngine({ post: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) });
