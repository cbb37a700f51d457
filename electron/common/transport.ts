/** Names both ends of a transport must agree on. */

/** The single IPC channel name; main listens on nothing else from the renderer. */
export const IPC_CHANNEL = 'kaituhi:message';
/** The WebSocket path in server mode. */
export const WEBSOCKET_PATH = '/api';
/** Query parameter and cookie that carry the server-mode token. */
export const TOKEN_PARAM = 'token';
