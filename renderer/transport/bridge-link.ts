import type { KaituhiBridge } from '../../electron/shared/api.js';
import type { LinkStatus, MessageLink } from './message-link.js';

/** Under Electron: the preload's `window.kaituhi`. IPC cannot drop, so the link is always open. */
export function bridgeLink(bridge: KaituhiBridge): MessageLink {
  return {
    send: (message) => bridge.send(message),
    onMessage: (listener) => bridge.onMessage(listener),
    onStatus: (listener: (status: LinkStatus) => void) => {
      listener('open');
      return () => undefined;
    },
  };
}
