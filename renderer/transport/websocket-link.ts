import { TOKEN_PARAM, WEBSOCKET_PATH } from '../../electron/common/transport.js';
import type { ClientMessage, ServerMessage } from '../../electron/shared/api.js';
import type { LinkStatus, MessageLink } from './message-link.js';

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * Server mode: the API over a WebSocket to the page's own origin, with the access token in the socket's
 * URL (the only request that needs it; see takeAccessToken). Reconnects with backoff when the server restarts.
 */
export function webSocketLink(location: Pick<Location, 'protocol' | 'host'>, token: string | null): MessageLink {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}${WEBSOCKET_PATH}${token ? `?${TOKEN_PARAM}=${encodeURIComponent(token)}` : ''}`;

  const messageListeners = new Set<(message: ServerMessage) => void>();
  const statusListeners = new Set<(status: LinkStatus) => void>();
  const outbox: string[] = [];
  let socket: WebSocket;
  let status: LinkStatus = 'connecting';
  let attempt = 0;

  const setStatus = (next: LinkStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of statusListeners) listener(next);
  };

  const connect = () => {
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      attempt = 0;
      setStatus('open');
      for (const frame of outbox.splice(0)) socket.send(frame);
    });
    socket.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      const message = JSON.parse(event.data) as ServerMessage;
      for (const listener of messageListeners) listener(message);
    });
    socket.addEventListener('close', () => {
      setStatus('closed');
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)];
      attempt += 1;
      setTimeout(connect, delay);
    });
  };
  connect();

  return {
    send(message: ClientMessage) {
      const frame = JSON.stringify(message);
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      else outbox.push(frame);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
  };
}
