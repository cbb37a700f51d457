import type {
  ApiCall,
  ApiMethod,
  ApiResults,
  DraftPush,
  EngineState,
  GenerateRequest,
  GenerationEvent,
  GenerationHandle,
  GenerationOutcome,
  GenerationStats,
  KaituhiApi,
  TokenAlternatives,
  ModelsState,
  ServerMessage,
  SettingsState,
} from '../../electron/shared/api.js';
import type { LinkStatus, MessageLink } from './message-link.js';

interface PendingCall {
  resolve(value: ApiResults[ApiMethod]): void;
  reject(error: Error): void;
}

interface RunningGeneration {
  readonly onEvent: ((event: GenerationEvent) => void) | undefined;
  readonly texts: string[];
  readonly tokens: TokenAlternatives[][];
  stats: GenerationStats | null;
  cancelled: boolean;
  finish(outcome: GenerationOutcome): void;
}

export interface ApiClient extends KaituhiApi {
  onLinkStatus(listener: (status: LinkStatus) => void): () => void;
}

/**
 * One domain's client, derived from its call table's type: any method name becomes a function that sends
 * `{ method, ...args }`. The renderer needs no list of names (it may not import the tables' values); the
 * table's type says which names exist, and the services' validator refuses any other.
 */
function domainClient<Client extends object>(send: (call: ApiCall, signal?: AbortSignal) => Promise<unknown>): Client {
  // One function per name, kept: a component may depend on a method's identity (an effect's dependency).
  const methods = new Map<string, (args?: object, options?: { signal?: AbortSignal }) => Promise<unknown>>();
  return new Proxy({} as Client, {
    get: (_target, method) => {
      // Symbols and 'then' are what generic code probes an object for (await, inspection); they are not methods.
      if (typeof method !== 'string' || method === 'then') return undefined;
      let fn = methods.get(method);
      if (!fn) {
        fn = (args: object = {}, options = {}) => send({ ...args, method } as ApiCall, options.signal);
        methods.set(method, fn);
      }
      return fn;
    },
  });
}

/** Listeners of one kind of push. */
function listeners<T>() {
  const set = new Set<(value: T) => void>();
  return {
    add(listener: (value: T) => void): () => void {
      set.add(listener);
      return () => set.delete(listener);
    },
    emit(value: T): void {
      for (const listener of set) listener(value);
    },
  };
}

function outcomeOf(generation: RunningGeneration): Omit<GenerationOutcome, 'error'> {
  const tokens = Array.from(generation.texts, (_, candidate) => generation.tokens[candidate] ?? []);
  return { texts: [...generation.texts], tokens, stats: generation.stats, cancelled: generation.cancelled };
}

/** `KaituhiApi` over any message link: numbers requests, matches replies, assembles streamed candidates. */
export function createApiClient(link: MessageLink): ApiClient {
  let nextId = 1;
  const calls = new Map<number, PendingCall>();
  const generations = new Map<number, RunningGeneration>();
  const engine = listeners<EngineState>();
  const settings = listeners<SettingsState>();
  const models = listeners<ModelsState>();
  const drafts = listeners<DraftPush>();

  link.onMessage((message: ServerMessage) => {
    switch (message.type) {
      case 'result': {
        const call = calls.get(message.id);
        if (!call) return;
        calls.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(new Error(message.error));
        return;
      }
      case 'generation': {
        const generation = generations.get(message.id);
        if (!generation) return;
        const event = message.event;
        if (event.type === 'token') {
          generation.texts[event.candidate] = (generation.texts[event.candidate] ?? '') + event.text;
          if (event.alternatives) (generation.tokens[event.candidate] ??= []).push(event.alternatives);
        } else if (event.type === 'done') {
          generation.texts[event.candidate] = event.text;
          if (event.tokens) generation.tokens[event.candidate] = [...event.tokens];
        } else generation.stats = event;
        generation.onEvent?.(event);
        return;
      }
      case 'generation-end': {
        const generation = generations.get(message.id);
        if (!generation) return;
        generations.delete(message.id);
        generation.finish({ ...outcomeOf(generation), error: message.error });
        return;
      }
      case 'draft':
        return drafts.emit(message.event);
      case 'engine':
        return engine.emit(message.state);
      case 'settings':
        return settings.emit(message.state);
      case 'models':
        return models.emit(message.state);
    }
  });

  // A dropped link takes its replies with it: fail what was waiting instead of hanging the editor.
  link.onStatus((status) => {
    if (status !== 'closed') return;
    for (const call of calls.values()) call.reject(new Error('Lost the connection to Kaituhi.'));
    calls.clear();
    for (const generation of generations.values()) {
      generation.finish({ ...outcomeOf(generation), error: 'Lost the connection to Kaituhi.' });
    }
    generations.clear();
  });

  /** A call; aborting `signal` rejects it at once and asks the services to stop its work (`cancel` with its id). */
  function call(request: ApiCall, signal?: AbortSignal): Promise<ApiResults[ApiMethod]> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new Error('Cancelled.'));
        return;
      }
      const stop = () => {
        if (!calls.delete(id)) return;
        link.send({ type: 'cancel', id });
        reject(new Error('Cancelled.'));
      };
      signal?.addEventListener('abort', stop, { once: true });
      calls.set(id, {
        resolve: (value) => {
          signal?.removeEventListener('abort', stop);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', stop);
          reject(error);
        },
      });
      link.send({ type: 'call', id, call: request });
    });
  }

  function generate(request: GenerateRequest, onEvent?: (event: GenerationEvent) => void): GenerationHandle {
    const id = nextId++;
    let finish!: (outcome: GenerationOutcome) => void;
    const finished = new Promise<GenerationOutcome>((resolve) => (finish = resolve));
    const generation: RunningGeneration = { onEvent, texts: [], tokens: [], stats: null, cancelled: false, finish };
    generations.set(id, generation);
    link.send({ type: 'generate', id, request });
    return {
      finished,
      cancel() {
        if (!generations.has(id) || generation.cancelled) return;
        generation.cancelled = true;
        link.send({ type: 'cancel', id });
      },
    };
  }

  return {
    app: domainClient(call),
    drafts: domainClient(call),
    models: domainClient(call),
    generate,
    onDraftEvent: drafts.add,
    onEngineState: engine.add,
    onSettings: settings.add,
    onModels: models.add,
    onLinkStatus: (listener) => link.onStatus(listener),
  };
}
