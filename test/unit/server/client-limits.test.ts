/**
 * Per-client limits of server mode (issue 9, finding 10), with the real numbers from CLIENT_LIMITS:
 * connections, frame size, and readers that stop reading. (Generations: test/unit/services/api-session.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLIENT_LIMITS } from '../../../electron/services/client-limits.js';
import { MAX_DRAFT_CHARS, MAX_MODEL_SPANS } from '../../../electron/common/drafts.js';
import { MAX_CLIENT_FRAME_CHARS, parseClientFrame } from '../../../electron/shared/validators.js';
import type { ServerMessage } from '../../../electron/shared/api.js';
import { clientFrame, closeCode, openRawWebSocket } from './raw-websocket.js';
import { startTestServer, type TestServer } from './test-server.js';

let stack: TestServer;

beforeAll(async () => {
  stack = await startTestServer();
});

afterAll(async () => {
  await stack.close();
});

function open(): Promise<WebSocket> {
  const { port, token } = stack.server;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, { headers: { origin: `http://127.0.0.1:${port}` } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

async function snapshotWorks(): Promise<void> {
  const ws = await open();
  const reply = new Promise<ServerMessage>((resolve) =>
    ws.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (message.type === 'result' && message.id === 1) resolve(message);
    }),
  );
  ws.send(JSON.stringify({ type: 'call', id: 1, call: { method: 'getSnapshot' } }));
  expect(await reply).toMatchObject({ ok: true });
  ws.close();
  await closed(ws);
}

async function connectionsSettleAt(count: number): Promise<void> {
  await expect.poll(() => stack.server.connections(), { timeout: 10_000, interval: 10 }).toBe(count);
}

describe('connections', () => {
  it(`holds at most ${CLIENT_LIMITS.maxConnections} at once, refuses the next with 503, and admits one again after a close`, async () => {
    const sockets = await Promise.all(Array.from({ length: CLIENT_LIMITS.maxConnections }, () => open()));
    try {
      expect(stack.server.connections()).toBe(CLIENT_LIMITS.maxConnections);
      await expect(open()).rejects.toThrow(/refused with 503/);
      const first = sockets.shift()!;
      first.close();
      await closed(first);
      await connectionsSettleAt(CLIENT_LIMITS.maxConnections - 1);
      sockets.push(await open());
      expect(stack.server.connections()).toBe(CLIENT_LIMITS.maxConnections);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
    await connectionsSettleAt(0);
  });
});

describe('frame size', () => {
  it('fits the largest message the editor sends: a whole draft of 3-byte characters with every model span', () => {
    const spans = Array.from({ length: MAX_MODEL_SPANS }, () => ({ start: MAX_DRAFT_CHARS, end: MAX_DRAFT_CHARS }));
    const largest = JSON.stringify({
      type: 'call',
      id: Number.MAX_SAFE_INTEGER,
      call: {
        method: 'editDraft',
        id: 'd'.repeat(200),
        edit: { kind: 'text', text: '字'.repeat(MAX_DRAFT_CHARS) },
        cursor: { offset: MAX_DRAFT_CHARS, scrollTop: 1e9 },
        modelSpans: spans,
      },
    });
    expect(Buffer.byteLength(largest)).toBeLessThanOrEqual(CLIENT_LIMITS.maxFrameBytes);
    expect(largest.length).toBeLessThanOrEqual(MAX_CLIENT_FRAME_CHARS);
    expect(parseClientFrame(largest).ok).toBe(true);
    // And nothing much larger gets in (the cap was 64 MiB, a quarter more than any message needs).
    expect(CLIENT_LIMITS.maxFrameBytes).toBeLessThan(Buffer.byteLength(largest) * 1.01);
  });

  it('refuses a frame that announces one byte more, from its header, and keeps serving', async () => {
    const raw = await openRawWebSocket(stack.server.port, stack.server.token);
    raw.socket.write(clientFrame({ opcode: 1, announcedLength: CLIENT_LIMITS.maxFrameBytes + 1 }));
    await raw.ended;
    expect(closeCode(raw.received())).toBe(1009);
    await snapshotWorks();
  });
});

describe('readers that stop reading', () => {
  it('closes a connection that leaves more than the cap unread, says why, and keeps serving the others', async () => {
    const chars = 10_000_000;
    const draft = await stack.services.drafts.library.catalog.create('Big', 'x'.repeat(chars));
    const requests = Math.ceil(CLIENT_LIMITS.maxUnreadBytes / chars) + 4;
    const stuck = await open();
    let results = 0;
    stuck.on('message', (data: WebSocket.RawData) => {
      if (data.toString().startsWith('{"type":"result"')) results += 1;
    });
    const ended = closed(stuck);
    stuck.pause();
    for (let id = 1; id <= requests; id++) stuck.send(JSON.stringify({ type: 'call', id, call: { method: 'openDraft', id: draft.id } }));

    // The server gives up on it (it stops counting it as open), while another page is served as usual.
    await connectionsSettleAt(0);
    await snapshotWorks();

    stuck.resume();
    const { code, reason } = await ended;
    expect(code).toBe(1008);
    expect(reason).toMatch(/read its messages too slowly/);
    // What it was sent stopped at the cap: about the cap's worth of answers, plus the one that crossed it.
    // (The kernel's socket buffers take a few megabytes more before the server's own queue grows.)
    expect(results).toBeLessThanOrEqual(Math.ceil(CLIENT_LIMITS.maxUnreadBytes / chars) + 2);
    expect(results).toBeLessThan(requests);
  });
});
