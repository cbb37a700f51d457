/**
 * Finding 1 of issue 9: one malformed request must never end `kaituhi serve`. Any web page can send these
 * bytes (`fetch('http://127.0.0.1:PORT//', {mode: 'no-cors'})`), so each gets an answer and the server
 * goes on serving the page and the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawHead, rawRequest } from './raw-http.js';
import { startTestServer, type TestServer } from './test-server.js';

let stack: TestServer;
let port: number;
let host: string;

beforeAll(async () => {
  stack = await startTestServer();
  port = stack.server.port;
  host = `Host: 127.0.0.1:${port}`;
});

afterAll(async () => {
  await stack.close();
});

const upgradeHeaders = () => [
  host,
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  `Origin: http://127.0.0.1:${port}`,
];

/** The page and the API still work: a request with the token is served, a WebSocket answers a call. */
async function expectStillServing(): Promise<void> {
  const page = await rawRequest(port, rawHead(`GET /?token=${stack.server.token} HTTP/1.1`, [host, 'Connection: close']));
  expect(page.status).toBe(200);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${stack.server.token}`, { headers: { origin: `http://127.0.0.1:${port}` } });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, call: { method: 'getSnapshot' } })));
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      if (text.includes('"type":"result"')) resolve(text);
    });
    ws.once('error', reject);
  });
  ws.close();
  expect(JSON.parse(reply)).toMatchObject({ type: 'result', id: 1, ok: true });
}

describe('malformed HTTP requests', () => {
  const cases: Array<{ name: string; bytes: () => string; status: number }> = [
    { name: 'a path of two slashes (new URL throws)', bytes: () => rawHead('GET // HTTP/1.1', [host, 'Connection: close']), status: 404 },
    {
      name: 'two slashes then a host-like path',
      bytes: () => rawHead('GET //evil.example/x HTTP/1.1', [host, 'Connection: close']),
      status: 404,
    },
    {
      name: 'a cookie that is not percent-encoding (decodeURIComponent throws)',
      bytes: () => rawHead('GET / HTTP/1.1', [host, `Cookie: kaituhi_token_${port}=%`, 'Connection: close']),
      status: 200,
    },
    {
      name: 'a cookie with a broken escape after a good one',
      bytes: () => rawHead('GET / HTTP/1.1', [host, `Cookie: a=b; kaituhi_token_${port}=%E0%A4%A`, 'Connection: close']),
      status: 200,
    },
    {
      name: 'a token query that is not percent-encoding',
      bytes: () => rawHead('GET /?token=%zz%ff%E0 HTTP/1.1', [host, 'Connection: close']),
      status: 200,
    },
    {
      name: 'an absolute-form target',
      bytes: () => rawHead(`GET http://127.0.0.1:${port}/ HTTP/1.1`, [host, 'Connection: close']),
      status: 400,
    },
    { name: 'an asterisk target', bytes: () => rawHead('OPTIONS * HTTP/1.1', [host, 'Connection: close']), status: 400 },
    { name: 'no Host header (node:http refuses it itself)', bytes: () => rawHead('GET // HTTP/1.1', ['Connection: close']), status: 400 },
    { name: 'a foreign Host header', bytes: () => rawHead('GET // HTTP/1.1', ['Host: evil.example', 'Connection: close']), status: 421 },
    { name: 'a request line of garbage', bytes: () => '\x00\x01\x02 garbage\r\n\r\n', status: 400 },
    { name: 'an unknown method', bytes: () => rawHead('BREW / HTTP/1.1', [host]), status: 400 },
    { name: 'a header with no colon', bytes: () => rawHead('GET / HTTP/1.1', [host, 'no colon here']), status: 400 },
    { name: 'a header line with a bare CR', bytes: () => rawHead('GET / HTTP/1.1', [host, 'X-A: a\rb']), status: 400 },
  ];

  for (const { name, bytes, status } of cases) {
    it(`answers ${status} to ${name}, and keeps serving`, async () => {
      expect((await rawRequest(port, bytes())).status).toBe(status);
      await expectStillServing();
    });
  }
});

describe('malformed WebSocket upgrades', () => {
  const cases: Array<{ name: string; requestLine: () => string; extra?: () => string[]; status: number }> = [
    { name: 'a path of two slashes', requestLine: () => 'GET // HTTP/1.1', status: 403 },
    { name: 'two slashes before the API path', requestLine: () => 'GET //api HTTP/1.1', status: 403 },
    {
      name: 'a cookie that is not percent-encoding',
      requestLine: () => 'GET /api HTTP/1.1',
      extra: () => [`Cookie: kaituhi_token_${port}=%`],
      status: 401,
    },
    { name: 'a token query that is not percent-encoding', requestLine: () => 'GET /api?token=%E0%A4%A HTTP/1.1', status: 401 },
    { name: 'an absolute-form target', requestLine: () => `GET http://127.0.0.1:${port}/api HTTP/1.1`, status: 400 },
  ];

  for (const { name, requestLine, extra, status } of cases) {
    it(`answers ${status} to ${name}, and keeps serving`, async () => {
      const reply = await rawRequest(port, rawHead(requestLine(), [...upgradeHeaders(), ...(extra?.() ?? [])]));
      expect(reply.status).toBe(status);
      await expectStillServing();
    });
  }

  it('answers 400 to an upgrade with the token but no WebSocket key, and keeps serving', async () => {
    const headers = upgradeHeaders().filter((line) => !line.startsWith('Sec-WebSocket-Key'));
    const reply = await rawRequest(port, rawHead(`GET /api?token=${stack.server.token} HTTP/1.1`, headers));
    expect(reply.status).toBe(400);
    await expectStillServing();
  });

  it('survives a client that resets the connection in the middle of an upgrade', async () => {
    const { connect } = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write(rawHead(`GET /api?token=${stack.server.token} HTTP/1.1`, upgradeHeaders()).slice(0, -10));
        socket.resetAndDestroy();
        resolve();
      });
    });
    await expectStillServing();
  });
});
