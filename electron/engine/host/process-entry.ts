/**
 * Entry point of the engine host under plain Node: a child process. A separate process, not a worker
 * thread, because a native crash (a GPU driver, a bad model) or a kill mid-inference must take down only
 * the engine, never the caller holding the writer's text.
 */
import { serveEngine } from './serve.js';

if (!process.send) throw new Error('process-entry must be started with an IPC channel (child_process.fork)');
const send = process.send.bind(process);
serveEngine({ post: (m) => void send(m), onMessage: (l) => process.on('message', l) });
// The host lives as long as its parent: when the IPC channel closes, there is nobody left to serve.
process.on('disconnect', () => process.exit(0));
