import type { KaituhiBridge } from '../../electron/shared/api.js';
import { createApiClient, type ApiClient } from './api-client.js';
import { bridgeLink } from './bridge-link.js';
import { takeAccessToken } from './access-token.js';
import { webSocketLink } from './websocket-link.js';

declare global {
  interface Window {
    /** Present only under Electron, put there by the preload script. */
    kaituhi?: KaituhiBridge;
  }
}

/** Picks the transport once, at startup: the preload bridge under Electron, the WebSocket in a browser. */
export function connectToServices(): ApiClient {
  return createApiClient(window.kaituhi ? bridgeLink(window.kaituhi) : webSocketLink(window.location, takeAccessToken(window)));
}
