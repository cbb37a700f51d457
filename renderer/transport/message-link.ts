import type { ClientMessage, ServerMessage } from '../../electron/shared/api.js';

export type LinkStatus = 'connecting' | 'open' | 'closed';

/**
 * A two-way message pipe to the services: the preload bridge under Electron, a WebSocket in a browser.
 * The API client on top of it is the same for both.
 */
export interface MessageLink {
  send(message: ClientMessage): void;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  /** Reports losing and regaining the pipe; in-flight requests fail when it closes. */
  onStatus(listener: (status: LinkStatus) => void): () => void;
}
