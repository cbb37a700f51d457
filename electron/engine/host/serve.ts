/**
 * The engine host's side of the protocol, independent of transport: a child process's IPC channel under
 * Node, Electron's utilityProcess parentPort in the app. Bad messages are answered, never fatal.
 */
import { LocalEngine } from '../engine.js';
import { clientMessageSchema, serializeError, type HostMessage } from './protocol.js';

export interface HostPort {
  post(message: HostMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

export function serveEngine(port: HostPort): void {
  let engine: Promise<LocalEngine> | null = null;
  const running = new Map<number, AbortController>();

  port.onMessage((raw) => {
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id =
        typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
      port.post({
        type: 'error',
        id,
        error: { name: 'ProtocolError', message: `invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}` },
      });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'load': {
        const previous = engine;
        engine = (async () => {
          // One model in memory at a time: the old one goes before the new one loads.
          await previous?.then((e) => e.close()).catch(() => undefined);
          return LocalEngine.load(message.options);
        })();
        engine.then(
          async (e) => port.post({ type: 'loaded', info: await e.info() }),
          (error: unknown) => port.post({ type: 'load-failed', error: serializeError(error) }),
        );
        return;
      }
      case 'abort':
        running.get(message.id)?.abort();
        return;
      default:
        break;
    }
    const { id } = message;
    if (!engine) {
      port.post({ type: 'error', id, error: { name: 'EngineNotLoaded', message: 'no model is loaded' } });
      return;
    }
    // Registered before the first await: an abort posted right behind the request may arrive in the same read of
    // the channel, before any promise settles, and must find it.
    const controller = new AbortController();
    if (message.type === 'generate' || message.type === 'score') running.set(id, controller);
    void (async () => {
      try {
        const e = await engine!;
        if (message.type === 'countTokens') port.post({ type: 'result', id, value: await e.countTokens(message.text) });
        else if (message.type === 'prefill') port.post({ type: 'result', id, value: await e.prefill(message.request) });
        else if (message.type === 'inspect') port.post({ type: 'result', id, value: await e.inspectContext(message.request) });
        else if (message.type === 'info') port.post({ type: 'result', id, value: await e.info() });
        else {
          if (message.type === 'score') port.post({ type: 'result', id, value: await e.score(message.request, controller.signal) });
          else {
            for await (const event of e.generate(message.request, controller.signal)) port.post({ type: 'event', id, event });
            port.post({ type: 'end', id });
          }
        }
      } catch (error) {
        port.post({ type: 'error', id, error: serializeError(error) });
      } finally {
        running.delete(id);
      }
    })();
  });
}
