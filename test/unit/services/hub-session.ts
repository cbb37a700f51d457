/**
 * The services of `kaituhi serve` with the real engine host and a local model hub, and an API session to call them
 * the way a transport does (every call parsed by the validators first).
 */
import { startEngineHost } from '../../../electron/engine/index.js';
import { ApiSession } from '../../../electron/services/api-session.js';
import { AppServices, type AppServicesOptions } from '../../../electron/services/app-services.js';
import type { ServerMessage } from '../../../electron/shared/api.js';
import { parseClientMessage } from '../../../electron/shared/validators.js';
import { loadCatalog } from '../../../electron/store/index.js';
import { startModelHub, type ModelHub, type ModelHubOptions } from '../../support/model-hub.js';

export interface HubSession {
  readonly modelHub: ModelHub;
  readonly services: AppServices;
  readonly messages: ServerMessage[];
  /** Sends a call; resolves with its value, rejects with its error ('refused: …' when the validators refuse it). */
  call(callBody: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function startHubSession(
  home: string,
  hubOptions: ModelHubOptions = {},
  extra: Partial<AppServicesOptions> = {},
): Promise<HubSession> {
  const modelHub = await startModelHub(home, hubOptions);
  const services = new AppServices({
    mode: 'server',
    version: 'test',
    settingsFile: `${home}/settings.json`,
    startEngineHost: (options) => startEngineHost({ ...options, devices: ['cpu'] }),
    catalog: await loadCatalog(modelHub.catalogFile),
    ...extra,
  });
  // The store reads the endpoint when it opens, as it reads HF_ENDPOINT in the app.
  process.env.HF_ENDPOINT = modelHub.hub.endpoint;
  await services.boot();
  delete process.env.HF_ENDPOINT;
  const messages: ServerMessage[] = [];
  const session = new ApiSession(services, (message) => messages.push(message));
  let nextId = 1;
  return {
    modelHub,
    services,
    messages,
    call: async (callBody) => {
      const id = nextId++;
      const parsed = parseClientMessage({ type: 'call', id, call: callBody });
      if (!parsed.ok) throw new Error(`refused: ${parsed.error}`);
      session.handle(parsed.value);
      for (;;) {
        const reply = messages.find((m) => m.type === 'result' && m.id === id);
        if (reply?.type === 'result') {
          if (reply.ok) return reply.value;
          throw new Error(reply.error);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    close: async () => {
      session.dispose();
      await services.shutdown();
      await modelHub.close();
    },
  };
}
