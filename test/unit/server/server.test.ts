/**
 * Server mode's door: token, Host and Origin checks, static files, and the API over the WebSocket.
 * Real services with no model loaded (nothing here needs the engine), real HTTP, real sockets.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../../electron/server/server.js';
import type { ServerMessage } from '../../../electron/shared/api.js';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';
import { startTestServer, type TestServer } from './test-server.js';

let stack: TestServer;
let server: RunningServer;

beforeAll(async () => {
  stack = await startTestServer();
  server = stack.server;
});

afterAll(async () => {
  await stack.close();
});

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function connect(query: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, match: (message: ServerMessage) => boolean): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (match(message)) {
        ws.off('message', onMessage);
        resolve(message);
      }
    };
    ws.on('message', onMessage);
  });
}

const origin = () => `http://127.0.0.1:${server.port}`;

describe('server mode access', () => {
  it('listens on 127.0.0.1 only and prints a URL with a long random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('serves the built renderer without the token: it is public build output, and the token is for the API', async () => {
    for (const path of ['/', '/?token=wrong', `/?token=${server.token}`, '/assets/app.js']) {
      expect((await get(path)).status, path).toBe(200);
    }
  });

  it('serves the page with CSP and no-referrer, and never sets a cookie (cookies reach every port of 127.0.0.1)', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['set-cookie']).toBeUndefined();
    const asset = await get('/assets/app.js');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(`/?token=${server.token}`, { host: 'evil.example:80' })).status).toBe(421);
  });

  it('never serves files outside the renderer', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const response = await get(`${path}?token=${server.token}`);
      expect(response.status, path).toBe(404);
    }
  });

  it('refuses WebSockets without the token or from another origin', async () => {
    await expect(connect('', { origin: origin() })).rejects.toThrow(/401/);
    await expect(connect('?token=wrong', { origin: origin() })).rejects.toThrow(/401/);
    // A cookie is no way in: another local service on another port would receive it too.
    await expect(connect('', { origin: origin(), cookie: `kaituhi_token_${server.port}=${server.token}` })).rejects.toThrow(/401/);
    await expect(connect(`?token=${server.token}`, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(connect(`?token=${server.token}`, { origin: 'null' })).rejects.toThrow(/403/);
    await expect(connect(`?token=${server.token}`, {})).rejects.toThrow(/403/);
  });

  it('speaks the API to the served page, answers malformed messages, and explains a missing model', async () => {
    const ws = await connect(`?token=${server.token}`, { origin: origin() });
    try {
      const snapshotReply = nextMessage(ws, (m) => m.type === 'result' && m.id === 1);
      ws.send(JSON.stringify({ type: 'call', id: 1, call: { method: 'getSnapshot' } }));
      const snapshot = await snapshotReply;
      expect(snapshot).toMatchObject({ ok: true, value: { mode: 'server', engine: { status: 'no-model' } } });

      const badReply = nextMessage(ws, (m) => m.type === 'result' && m.id === 2);
      ws.send(JSON.stringify({ type: 'call', id: 2, call: { method: 'rm -rf /' } }));
      expect(await badReply).toMatchObject({ ok: false, error: expect.stringMatching(/invalid request/) });

      const generationEnd = nextMessage(ws, (m) => m.type === 'generation-end' && m.id === 3);
      ws.send(
        JSON.stringify({ type: 'generate', id: 3, request: { context: 'Hi', maxTokens: 4, candidates: 1, sampler: DEFAULT_SAMPLER } }),
      );
      expect(await generationEnd).toMatchObject({ error: expect.stringMatching(/No model/) });

      const external = nextMessage(ws, (m) => m.type === 'result' && m.id === 4);
      ws.send(JSON.stringify({ type: 'call', id: 4, call: { method: 'openExternal', url: 'https://example.com' } }));
      expect(await external).toMatchObject({ ok: false });

      // No folder dialogs from a browser: a path can only be typed.
      const folder = nextMessage(ws, (m) => m.type === 'result' && m.id === 5);
      ws.send(JSON.stringify({ type: 'call', id: 5, call: { method: 'chooseModelFolder' } }));
      expect(await folder).toMatchObject({ ok: false });
    } finally {
      ws.close();
    }
  });
});

describe('frames refused before they are parsed', () => {
  it('are answered by the id they start with: nested too deeply, or cut short', async () => {
    const ws = await connect(`?token=${server.token}`, { origin: origin() });
    try {
      const deep = nextMessage(ws, (m) => m.type === 'result' && m.id === 11);
      ws.send(`{"type":"call","id":11,"call":{"method":"listDrafts","query":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}}`);
      expect(await deep).toMatchObject({ ok: false, error: 'invalid request: message nested too deeply' });
      const cut = nextMessage(ws, (m) => m.type === 'generation-end' && m.id === 12);
      ws.send('{"type":"generate","id":12,"request":{"context":"The har');
      expect(await cut).toMatchObject({ error: 'invalid request: not JSON' });
    } finally {
      ws.close();
    }
  });
});

describe('server mode model choice (issue 9, finding 4)', () => {
  async function call(ws: WebSocket, id: number, body: object): Promise<Extract<ServerMessage, { type: 'result' }>> {
    const reply = nextMessage(ws, (m) => m.type === 'result' && m.id === id);
    ws.send(JSON.stringify({ type: 'call', id, call: body }));
    return (await reply) as Extract<ServerMessage, { type: 'result' }>;
  }

  it('refuses a model folder typed into the browser, and loads nothing', async () => {
    const ws = await connect(`?token=${server.token}`, { origin: origin() });
    try {
      const current = stack.services.settings.state.settings;
      for (const modelDir of ['/etc', stack.home, '/any/folder', '../../..']) {
        const reply = await call(ws, 1, { method: 'saveSettings', settings: { ...current, theme: 'dark', modelDir } });
        expect(reply).toMatchObject({ ok: false, error: expect.stringMatching(/Models panel.*--import-root/) });
      }
      expect(stack.services.engine.state.status).toBe('no-model');
      expect(stack.services.settings.state.settings).toEqual(current);
      await expect(readFile(join(stack.home, 'settings.json'), 'utf8').catch(() => '')).resolves.not.toMatch(/etc|any|folder/);
    } finally {
      ws.close();
    }
  });

  it('still saves the other settings, with the model folder unchanged or cleared', async () => {
    const ws = await connect(`?token=${server.token}`, { origin: origin() });
    try {
      const current = stack.services.settings.state.settings;
      expect(await call(ws, 1, { method: 'saveSettings', settings: { ...current, theme: 'dark' } })).toMatchObject({ ok: true });
      const cleared = await call(ws, 2, { method: 'saveSettings', settings: { ...current, theme: 'light', modelDir: null } });
      expect(cleared).toMatchObject({ ok: true, value: { settings: { theme: 'light', modelDir: null } } });
    } finally {
      ws.close();
    }
  });
});
