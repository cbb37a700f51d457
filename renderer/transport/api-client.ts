import type {
  ApiCall,
  ApiMethod,
  ApiResults,
  AppSnapshot,
  EngineState,
  GenerateRequest,
  GenerationEvent,
  GenerationHandle,
  GenerationOutcome,
  GenerationStats,
  KaituhiApi,
  ServerMessage,
  Settings,
  SettingsState,
} from '../../electron/shared/api.js';
import type { LinkStatus, MessageLink } from './message-link.js';
import type { ModelsState } from '../../electron/shared/api.js';
import { createModelsApi } from './models-client.js';
import type { DraftPush } from '../../electron/shared/drafts-api.js';
import { createDraftsApi } from './drafts-client.js';

interface PendingCall {
  resolve(value: ApiResults[ApiMethod]): void;
  reject(error: Error): void;
}

interface RunningGeneration {
  readonly onEvent: ((event: GenerationEvent) => void) | undefined;
  readonly texts: string[];
  stats: GenerationStats | null;
  cancelled: boolean;
  finish(outcome: GenerationOutcome): void;
}

export interface ApiClient extends KaituhiApi {
  onLinkStatus(listener: (status: LinkStatus) => void): () => void;
}

/** `KaituhiApi` over any message link: numbers requests, matches replies, assembles streamed candidates. */
export function createApiClient(link: MessageLink): ApiClient {
  let nextId = 1;
  const calls = new Map<number, PendingCall>();
  const generations = new Map<number, RunningGeneration>();
  const engineListeners = new Set<(state: EngineState) => void>();
  const settingsListeners = new Set<(state: SettingsState) => void>();
  const modelsListeners = new Set<(state: ModelsState) => void>();
  const draftListeners = new Set<(event: DraftPush) => void>();

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
        if (event.type === 'token') generation.texts[event.candidate] = (generation.texts[event.candidate] ?? '') + event.text;
        else if (event.type === 'done') generation.texts[event.candidate] = event.text;
        else generation.stats = event;
        generation.onEvent?.(event);
        return;
      }
      case 'generation-end': {
        const generation = generations.get(message.id);
        if (!generation) return;
        generations.delete(message.id);
        generation.finish({ texts: [...generation.texts], stats: generation.stats, cancelled: generation.cancelled, error: message.error });
        return;
      }
      case 'draft':
        for (const listener of draftListeners) listener(message.event);
        return;
      case 'engine':
        for (const listener of engineListeners) listener(message.state);
        return;
      case 'settings':
        for (const listener of settingsListeners) listener(message.state);
        return;
      case 'models':
        for (const listener of modelsListeners) listener(message.state);
        return;
    }
  });

  // A dropped link takes its replies with it: fail what was waiting instead of hanging the editor.
  link.onStatus((status) => {
    if (status !== 'closed') return;
    for (const call of calls.values()) call.reject(new Error('Lost the connection to Kaituhi.'));
    calls.clear();
    for (const generation of generations.values()) {
      generation.finish({
        texts: [...generation.texts],
        stats: generation.stats,
        cancelled: generation.cancelled,
        error: 'Lost the connection to Kaituhi.',
      });
    }
    generations.clear();
  });

  function call<M extends ApiMethod>(request: ApiCall & { method: M }): Promise<ApiResults[M]> {
    const id = nextId++;
    return new Promise<ApiResults[M]>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (value: ApiResults[ApiMethod]) => void, reject });
      link.send({ type: 'call', id, call: request });
    });
  }

  function generate(request: GenerateRequest, onEvent?: (event: GenerationEvent) => void): GenerationHandle {
    const id = nextId++;
    let finish!: (outcome: GenerationOutcome) => void;
    const finished = new Promise<GenerationOutcome>((resolve) => (finish = resolve));
    const generation: RunningGeneration = { onEvent, texts: [], stats: null, cancelled: false, finish };
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
    drafts: createDraftsApi(call),
    onDraftEvent(listener) {
      draftListeners.add(listener);
      return () => draftListeners.delete(listener);
    },
    getSnapshot: (): Promise<AppSnapshot> => call({ method: 'getSnapshot' }),
    saveSettings: (settings: Settings): Promise<SettingsState> => call({ method: 'saveSettings', settings }),
    countTokens: (text: string): Promise<number> => call({ method: 'countTokens', text }),
    restartEngine: async (): Promise<void> => {
      await call({ method: 'restartEngine' });
    },
    openExternal: async (url: string): Promise<void> => {
      await call({ method: 'openExternal', url });
    },
    chooseModelFolder: (): Promise<string | null> => call({ method: 'chooseModelFolder' }),
    generate,
    onEngineState(listener) {
      engineListeners.add(listener);
      return () => engineListeners.delete(listener);
    },
    onSettings(listener) {
      settingsListeners.add(listener);
      return () => settingsListeners.delete(listener);
    },
    onLinkStatus: (listener) => link.onStatus(listener),
    ...createModelsApi((request) => call(request)),
    onModels(listener) {
      modelsListeners.add(listener);
      return () => modelsListeners.delete(listener);
    },
  };
}
