import type { ApiCall, ClientMessage, ServerMessage } from '../shared/api.js';
import type { GenerateRequest } from '../common/generation.js';
import type { AppServices } from './app-services.js';
import { errorMessage } from '../common/error-message.js';
import { apiHandlers, dispatch } from './calls/dispatch.js';
import { CLIENT_LIMITS } from './client-limits.js';

/**
 * One renderer's conversation with the services, whichever transport carries it. Messages arrive already
 * validated; this routes them, streams generations back, cancels them on request, and stops everything
 * when the connection goes away.
 */
export class ApiSession {
  readonly #generations = new Map<number, AbortController>();
  /** Calls still working, so that a `cancel` or the end of the connection stops them (scoring a long text). */
  readonly #calls = new Map<number, AbortController>();
  /** scoreText calls running now (CLIENT_LIMITS.scoringsPerClient). */
  #scorings = 0;
  readonly #unsubscribe: Array<() => void>;
  readonly #handlers: ReturnType<typeof apiHandlers>;
  #closed = false;

  readonly #services: AppServices;
  readonly #send: (message: ServerMessage) => void;

  constructor(services: AppServices, send: (message: ServerMessage) => void) {
    this.#services = services;
    this.#send = send;
    this.#handlers = apiHandlers(services);
    this.#unsubscribe = [
      services.drafts.onEvent((event) => this.#post({ type: 'draft', event })),
      services.engine.onState((state) => this.#post({ type: 'engine', state })),
      services.onSettings((state) => this.#post({ type: 'settings', state })),
      services.onModels((state) => this.#post({ type: 'models', state })),
    ];
  }

  handle(message: ClientMessage): void {
    if (this.#closed) return;
    switch (message.type) {
      // Both catch every failure of the work itself; the catch here is for a reply that could not be sent.
      case 'call':
        this.#call(message.id, message.call).catch(() => undefined);
        break;
      case 'generate':
        this.#generate(message.id, message.request).catch(() => undefined);
        break;
      case 'cancel':
        (this.#generations.get(message.id) ?? this.#calls.get(message.id))?.abort();
        break;
    }
  }

  /** The renderer went away (window closed, socket dropped): cancel its work so the engine is free. */
  dispose(): void {
    this.#closed = true;
    // Cancelled work no longer counts against the other pages' places.
    for (const controller of this.#generations.values()) {
      controller.abort();
      this.#services.generationSlots.giveBack();
    }
    this.#generations.clear();
    for (const controller of this.#calls.values()) controller.abort();
    this.#calls.clear();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  async #call(id: number, call: ApiCall): Promise<void> {
    const scoring = call.method === 'scoreText';
    if (scoring && this.#scorings >= CLIENT_LIMITS.scoringsPerClient) {
      const error = `this page already has ${CLIENT_LIMITS.scoringsPerClient} texts being scored; cancel one or wait for it to end`;
      this.#post({ type: 'result', id, ok: false, error });
      return;
    }
    if (scoring) this.#scorings += 1;
    const controller = new AbortController();
    // A repeated id must not take over the first call's cancellation.
    const tracked = !this.#calls.has(id);
    if (tracked) this.#calls.set(id, controller);
    try {
      const value = await dispatch(this.#handlers, call, controller.signal);
      this.#post({ type: 'result', id, ok: true, value });
    } catch (error) {
      this.#post({ type: 'result', id, ok: false, error: errorMessage(error) });
    } finally {
      if (tracked) this.#calls.delete(id);
      if (scoring) this.#scorings -= 1;
    }
  }

  async #generate(id: number, request: GenerateRequest): Promise<void> {
    if (this.#generations.has(id)) {
      this.#post({ type: 'generation-end', id, error: 'duplicate generation id' });
      return;
    }
    if (this.#generations.size >= CLIENT_LIMITS.generationsPerClient) {
      const error = `this page already has ${CLIENT_LIMITS.generationsPerClient} generations running or waiting; try again when one ends`;
      this.#post({ type: 'generation-end', id, error });
      return;
    }
    if (!this.#services.generationSlots.take()) {
      const error = `${CLIENT_LIMITS.generationsOverall} generations are already running or waiting across all pages; try again when one ends`;
      this.#post({ type: 'generation-end', id, error });
      return;
    }
    const controller = new AbortController();
    this.#generations.set(id, controller);
    let error: string | null = null;
    try {
      const engine = this.#services.engine.engine;
      if (!engine) throw new Error(this.#services.engine.state.message ?? 'No model is loaded.');
      for await (const event of engine.generate(request, controller.signal)) {
        if (controller.signal.aborted) break;
        this.#post({ type: 'generation', id, event });
      }
    } catch (caught) {
      // A cancelled generation may end by throwing; that is the writer typing on, not a failure.
      if (!controller.signal.aborted) error = errorMessage(caught);
    } finally {
      // dispose() gave the place back already if the entry is gone.
      if (this.#generations.delete(id)) this.#services.generationSlots.giveBack();
      this.#post({ type: 'generation-end', id, error });
    }
  }

  #post(message: ServerMessage): void {
    if (!this.#closed) this.#send(message);
  }
}
