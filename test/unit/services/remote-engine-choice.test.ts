/**
 * Settings → Engine → A server, through the app's own services: the supervisor uses the server instead of loading
 * the local model, says which server, model and latency, notices a server that goes down (the engine is then
 * unavailable, never waited on) and one that comes back, and loads the local model again on switching back. The
 * key is kept with the settings and appears in no state, message or log line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultSettings, type Settings } from '../../../electron/common/settings.js';
import { startEngineHost } from '../../../electron/engine/index.js';
import { DEFAULT_SAMPLER, type Engine } from '../../../electron/engine/types.js';
import { ApiSession } from '../../../electron/services/api-session.js';
import { AppServices } from '../../../electron/services/app-services.js';
import type { EngineState, ServerMessage } from '../../../electron/shared/api.js';
import { tinyCheckpoint } from '../../support/fixtures.js';
import { API_KEY, startOpenAiStack, until, type OpenAiStack } from '../server/openai-stack.js';

let home: string;
let server: OpenAiStack;
let app: AppServices;
let hostsStarted = 0;
const states: EngineState[] = [];
const logged: string[] = [];

const remoteSettings = (url: string, apiKey = API_KEY): Settings => ({
  ...defaultSettings(),
  engine: { source: 'remote', url, apiKey, model: '' },
});

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  }
  server = await startOpenAiStack();
  home = await mkdtemp(join(tmpdir(), 'kaituhi-remote-choice-'));
  const settingsFile = join(home, 'settings.json');
  await writeFile(settingsFile, JSON.stringify(remoteSettings(server.base)));
  app = new AppServices({
    mode: 'server',
    version: 'test',
    settingsFile,
    modelDirOverride: await tinyCheckpoint(),
    startEngineHost: (options) => {
      hostsStarted += 1;
      return startEngineHost(options);
    },
    remoteTiming: { checkEveryMs: 300, retryEveryMs: 200, slowMs: 4000, answerTimeoutMs: 5000 },
  });
  app.engine.onState((state) => states.push(state));
  await app.boot();
}, 60_000);

afterAll(async () => {
  await app?.shutdown();
  await server?.close();
  await rm(home, { recursive: true, force: true });
  vi.restoreAllMocks();
});

async function firstText(engine: Engine): Promise<string> {
  for await (const event of engine.generate({
    context: 'The tide',
    maxTokens: 4,
    candidates: 1,
    sampler: { ...DEFAULT_SAMPLER, seed: 1 },
  })) {
    if (event.type === 'done') return event.text;
  }
  return '';
}

describe('a server as the engine', () => {
  it('is used instead of the local model: the state names the server, its model, its window and its latency', async () => {
    expect(hostsStarted).toBe(0);
    const state = app.engine.state;
    expect(state).toMatchObject({
      status: 'ready',
      modelDir: null,
      info: null,
      remote: { url: server.base, model: 'tiny-seed1', contextWindow: 1024, latencyMs: expect.any(Number), problem: null, detail: null },
    });
    const before = server.generations.length;
    expect((await firstText(app.engine.engine!)).length).toBeGreaterThan(0);
    expect(server.generations.length).toBe(before + 1);
  });

  it("answers a window's context inspector with the sentence that says why it cannot, and asks the server nothing", async () => {
    const replies: ServerMessage[] = [];
    const session = new ApiSession(app, (message) => replies.push(message));
    try {
      const before = server.generations.length;
      const request = { context: 'The tide', maxTokens: 8, memory: 'A harbour town.' };
      session.handle({ type: 'call', id: 1, call: { method: 'inspectContext', request } });
      await until(() => replies.some((reply) => reply.type === 'result'));
      expect(replies.find((reply) => reply.type === 'result')).toEqual({
        type: 'result',
        id: 1,
        ok: false,
        error: expect.stringMatching(
          /^The context inspector is not available with a server engine: .*memory, note and active lore are still sent/,
        ),
      });
      expect(server.generations.length).toBe(before);
      expect(app.engine.state).toMatchObject({ status: 'ready', remote: { problem: null } });
    } finally {
      session.dispose();
    }
  });

  it('goes unavailable when the server stops, says why, and comes back by itself when the server does', async () => {
    const port = server.server.port;
    const engine = app.engine.engine!;
    await server.close();
    await expect(firstText(engine)).rejects.toThrow(/did not answer/);
    expect(app.engine.state).toMatchObject({
      status: 'failed',
      remote: { problem: 'unreachable', detail: expect.stringMatching(/ECONNREFUSED/) },
    });
    expect(app.engine.state.message).toMatch(/not answering.*editor works as usual/);
    expect(app.engine.engine).toBeNull();

    server = await startOpenAiStack({ port });
    await until(() => app.engine.state.status === 'ready', 20_000);
    expect(app.engine.state.remote).toMatchObject({ problem: null, model: 'tiny-seed1' });
    expect((await firstText(app.engine.engine!)).length).toBeGreaterThan(0);
  }, 60_000);

  it('says the server refuses when the key is wrong, without ever showing the key', async () => {
    const wrongKey = 'not-the-right-key-0123456789';
    await app.saveSettings(remoteSettings(server.base, wrongKey));
    await until(() => app.engine.state.status === 'failed');
    expect(app.engine.state.remote).toMatchObject({ problem: 'refused', detail: expect.stringMatching(/API key/) });
    expect(JSON.stringify(states)).not.toContain(wrongKey);
    await app.saveSettings(remoteSettings(server.base));
    await until(() => app.engine.state.status === 'ready');
  });

  it('switching back to this computer loads the local model', async () => {
    await app.saveSettings({ ...app.settings.state.settings, engine: { ...app.settings.state.settings.engine, source: 'local' } });
    await until(() => app.engine.state.status === 'ready' && app.engine.state.info !== null, 30_000);
    expect(hostsStarted).toBe(1);
    expect(app.engine.state.remote ?? null).toBeNull();
    expect(app.engine.state.info?.modelName).toBe('tiny-seed1');
    // The server's address and key stay in the settings for next time.
    expect(app.settings.state.settings.engine).toEqual({ source: 'local', url: server.base, apiKey: API_KEY, model: '' });
  }, 60_000);

  it('never wrote the key into a state, a message or a log line', () => {
    expect(states.length).toBeGreaterThan(5);
    expect(JSON.stringify(states)).not.toContain(API_KEY);
    expect(logged.join('\n')).not.toContain(API_KEY);
  });
});
