import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBSOCKET_PATH, TOKEN_PARAM, type ServerMessage } from '../shared/api.js';
import { contentSecurityPolicy } from '../shared/csp.js';
import { parseClientFrame } from '../shared/validators.js';
import { ApiSession } from '../services/api-session.js';
import { CLIENT_LIMITS, GenerationSlots } from '../services/client-limits.js';
import type { AppServices } from '../services/app-services.js';
import { checkHttpRequest, checkWebSocketUpgrade, makeToken, parseTarget, type AccessPolicy, type Verdict } from './access-policy.js';
import { readStaticFile } from './static-files.js';
import { handleOpenAiRequest, isOpenAiPath } from './openai/openai-api.js';

export interface ServerOptions {
  services: AppServices;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed only by tests; a launch otherwise makes a fresh random one. */
  token?: string;
  /** A key the completions API (/v1/) accepts besides the token: --api-key or KAITUHI_API_KEY. */
  apiKey?: string | null;
  /** Origins whose pages may call the completions API (--cors-origin), already normalised. */
  corsOrigins?: readonly string[];
}

export interface RunningServer {
  /** The URL to open, token included. */
  readonly url: string;
  /** The completions API's base URL, for OpenAI-compatible clients (the key goes in Authorization). */
  readonly apiUrl: string;
  readonly port: number;
  readonly token: string;
  /** WebSocket connections open now (not those being closed); tests check cleanup and the limits. */
  connections(): number;
  close(): Promise<void>;
}

/** Loopback only: server mode is for this machine's browser (or an SSH tunnel to it), never the network. */
const LISTEN_HOST = '127.0.0.1';

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? makeToken();
  const http = createServer();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: CLIENT_LIMITS.maxFrameBytes });
  const port = await listen(http, options.port ?? 0);
  const policy: AccessPolicy = {
    port,
    token,
    origin: `http://${LISTEN_HOST}:${port}`,
    apiKey: options.apiKey ?? null,
    corsOrigins: options.corsOrigins ?? [],
  };
  const api = { services: options.services, apiSlots: new GenerationSlots(CLIENT_LIMITS.apiGenerations) };

  http.on('request', (request, response) => {
    // Every handler's failure is answered here: an unanswered rejection would end the whole server.
    const handled = isOpenAiPath(request.url)
      ? handleOpenAiRequest(policy, api, request, response)
      : serveFile(policy, options.rendererDir, request, response);
    handled.catch(() => answerFailure(response));
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset in the middle of a handshake must not become an unhandled 'error' event.
    socket.on('error', () => socket.destroy());
    try {
      upgrade(policy, sockets, options.services, request, socket, head);
    } catch {
      refuseUpgrade(socket, 400);
    }
  });
  // Bytes that are not HTTP at all (a bad request line, a broken header): answered, never thrown.
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  return {
    url: `${policy.origin}/?${TOKEN_PARAM}=${token}`,
    apiUrl: `${policy.origin}/v1`,
    port,
    token,
    connections: () => [...sockets.clients].filter((ws) => ws.readyState === ws.OPEN).length,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function upgrade(
  policy: AccessPolicy,
  sockets: WebSocketServer,
  services: AppServices,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const target = parseTarget(request.url);
  const verdict: Verdict = !target
    ? { ok: false, status: 400, reason: 'malformed request target' }
    : target.path === WEBSOCKET_PATH
      ? checkWebSocketUpgrade(policy, factsOf(request))
      : { ok: false, status: 403, reason: 'not the API path' };
  if (!verdict.ok) {
    refuseUpgrade(socket, verdict.status);
    return;
  }
  // Those still closing count: they hold their buffers until they are gone.
  if (sockets.clients.size >= CLIENT_LIMITS.maxConnections) {
    refuseUpgrade(socket, 503);
    return;
  }
  sockets.handleUpgrade(request, socket, head, (ws) => attachSession(ws, services));
}

function refuseUpgrade(socket: Duplex, status: number): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}

/** A handler failed after the request was checked: a plain 500, or a cut connection if the headers are out. */
function answerFailure(response: ServerResponse): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Internal error\n');
}

function attachSession(ws: WebSocket, services: AppServices): void {
  const session = new ApiSession(services, (message: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > CLIENT_LIMITS.maxUnreadBytes) closeStuckReader(ws);
    else ws.send(JSON.stringify(message));
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    // A listener that throws here would surface in the socket's data handler and end the process.
    try {
      const frame = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      const parsed = parseClientFrame(frame);
      if (parsed.ok) session.handle(parsed.value);
      else refuse(ws, parsed.json === undefined ? identityFromPrefix(frame) : identityOf(parsed.json), parsed.error);
    } catch {
      ws.close(1011, 'internal error');
    }
  });
  ws.on('close', () => session.dispose());
  ws.on('error', () => session.dispose());
}

/**
 * A page that stopped reading (a frozen tab, a script that never drains) would make the server queue every
 * message for it without end. It gets a close frame with the reason after what it has not read, and the
 * socket is cut if it still does not read it; its generations stop with the session.
 */
function closeStuckReader(ws: WebSocket): void {
  const unreadMiB = Math.round(ws.bufferedAmount / 2 ** 20);
  ws.close(1008, `Kaituhi closed this connection: the page read its messages too slowly (${unreadMiB} MiB unread)`);
  setTimeout(() => ws.terminate(), CLIENT_LIMITS.slowReaderGraceMs).unref();
}

/** Answers a malformed message where it can be matched to a request, so the caller is not left waiting. */
function refuse(ws: WebSocket, identity: { type: string; id: number } | null, error: string): void {
  if (!identity) return;
  const reply: ServerMessage =
    identity.type === 'generate'
      ? { type: 'generation-end', id: identity.id, error: `invalid request: ${error}` }
      : { type: 'result', id: identity.id, ok: false, error: `invalid request: ${error}` };
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
}

/**
 * The editor writes a message's type and id first. A frame refused without being parsed (too large, nested
 * too deeply, not JSON) is answered by those, read from its first characters only.
 */
function identityFromPrefix(frame: string): { type: string; id: number } | null {
  const match = /^\{"type":"(call|generate)","id":(\d{1,15}),/.exec(frame.slice(0, 64));
  return match ? { type: match[1]!, id: Number(match[2]) } : null;
}

/** The type and id of a message that parsed but was refused, when it has them. */
function identityOf(json: unknown): { type: string; id: number } | null {
  if (typeof json !== 'object' || json === null) return null;
  const { type, id } = json as { type?: unknown; id?: unknown };
  return typeof type === 'string' && Number.isSafeInteger(id) && (id as number) >= 0 ? { type, id: id as number } : null;
}

async function serveFile(policy: AccessPolicy, root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const verdict = checkHttpRequest(policy, factsOf(request));
  if (!verdict.ok) {
    response.writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`Refused: ${verdict.reason}. Open the URL that \`kaituhi serve\` printed.\n`);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  // checkHttpRequest refused every target that does not parse.
  const file = await readStaticFile(root, parseTarget(request.url)!.path).catch(() => null);
  if (!file) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
    return;
  }
  response.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': file.body.length,
    'Content-Security-Policy': contentSecurityPolicy({
      connectSources: [`ws://${LISTEN_HOST}:${policy.port}`, `ws://localhost:${policy.port}`],
    }),
    'X-Content-Type-Options': 'nosniff',
    // The first page URL carries the token: never leak it through Referer, never keep it in a cache.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : file.body);
}

function factsOf(request: IncomingMessage) {
  return { url: request.url, host: request.headers.host, origin: request.headers.origin };
}

function listen(http: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, LISTEN_HOST, () => {
      http.off('error', reject);
      const address = http.address();
      if (address === null || typeof address === 'string') reject(new Error('server has no port'));
      else resolve(address.port);
    });
  });
}
