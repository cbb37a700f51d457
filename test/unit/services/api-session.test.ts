/**
 * The services behind both transports, with the real engine in its host process: streaming, cancelling
 * between steps, a session going away, and a host crash becoming a restart the UI can show.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHost } from '../../../electron/engine/index.js';
import { ApiSession } from '../../../electron/services/api-session.js';
import { AppServices } from '../../../electron/services/app-services.js';
import { CLIENT_LIMITS } from '../../../electron/services/client-limits.js';
import type { EngineState, ServerMessage } from '../../../electron/shared/api.js';
import { DEFAULT_SAMPLER, type ScoreResult } from '../../../electron/engine/types.js';
import { testModel } from '../../support/fixtures.js';

let home: string;
let services: AppServices;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'kaituhi-session-'));
  services = new AppServices({
    mode: 'server',
    version: 'test',
    settingsFile: join(home, 'settings.json'),
    modelDirOverride: await testModel('tiny-seed1'),
    startEngineHost: (options) => startEngineHost({ ...options, devices: ['cpu'] }),
  });
  await services.boot();
});

afterAll(async () => {
  await services.shutdown();
  await rm(home, { recursive: true, force: true });
});

function sessionLog() {
  const messages: ServerMessage[] = [];
  const session = new ApiSession(services, (message) => messages.push(message));
  const ended = (id: number) =>
    new Promise<Extract<ServerMessage, { type: 'generation-end' }>>((resolve) => {
      const timer = setInterval(() => {
        const end = messages.find(
          (m): m is Extract<ServerMessage, { type: 'generation-end' }> => m.type === 'generation-end' && m.id === id,
        );
        if (end) {
          clearInterval(timer);
          resolve(end);
        }
      }, 5);
    });
  const tokens = (id: number) => messages.filter((m) => m.type === 'generation' && m.id === id && m.event.type === 'token').length;
  return { session, messages, ended, tokens };
}

const longRequest = { context: 'The harbour was', maxTokens: 500, candidates: 2, sampler: { ...DEFAULT_SAMPLER, seed: 3 } };

describe('API session with the real engine', () => {
  it('streams every candidate and finishes with stats', async () => {
    expect(services.engine.state.status).toBe('ready');
    const { session, messages, ended } = sessionLog();
    session.handle({ type: 'generate', id: 1, request: { ...longRequest, maxTokens: 6 } });
    expect((await ended(1)).error).toBeNull();
    const events = messages.flatMap((m) => (m.type === 'generation' ? [m.event] : []));
    expect(
      events
        .filter((e) => e.type === 'done')
        .map((e) => e.candidate)
        .sort(),
    ).toEqual([0, 1]);
    expect(events.at(-1)?.type).toBe('stats');
    session.dispose();
  });

  it('cancel stops the engine between steps, long before the token limit', async () => {
    const { session, messages, ended, tokens } = sessionLog();
    session.handle({ type: 'generate', id: 2, request: longRequest });
    await expect.poll(() => tokens(2), { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
    session.handle({ type: 'cancel', id: 2 });
    const end = await ended(2);
    expect(end.error).toBeNull();
    expect(tokens(2)).toBeLessThan(200);
    // Nothing more arrives for it afterwards.
    const count = messages.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(messages.length).toBe(count);
    session.dispose();
  });

  it('a session that goes away cancels its generations', async () => {
    const { session, tokens, messages } = sessionLog();
    session.handle({ type: 'generate', id: 3, request: longRequest });
    await expect.poll(() => tokens(3), { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
    session.dispose();
    const count = messages.length;
    // The engine is free again: a new request is answered promptly.
    const next = sessionLog();
    next.session.handle({ type: 'generate', id: 4, request: { ...longRequest, maxTokens: 3 } });
    expect((await next.ended(4)).error).toBeNull();
    expect(messages.length).toBe(count);
    next.session.dispose();
  });

  it(`lets one page queue ${CLIENT_LIMITS.generationsPerClient} generations and all pages ${CLIENT_LIMITS.generationsOverall}, and refuses more at once`, async () => {
    const pages = [sessionLog(), sessionLog(), sessionLog()];
    const [first, second, third] = pages as [ReturnType<typeof sessionLog>, ReturnType<typeof sessionLog>, ReturnType<typeof sessionLog>];
    const errorOf = async (log: ReturnType<typeof sessionLog>, id: number) => (await log.ended(id)).error;
    try {
      for (let id = 1; id <= CLIENT_LIMITS.generationsPerClient + 1; id++)
        first.session.handle({ type: 'generate', id, request: longRequest });
      expect(await errorOf(first, CLIENT_LIMITS.generationsPerClient + 1)).toMatch(/this page already has 4 generations/);
      const room = CLIENT_LIMITS.generationsOverall - CLIENT_LIMITS.generationsPerClient;
      for (let id = 1; id <= room; id++) second.session.handle({ type: 'generate', id, request: longRequest });
      third.session.handle({ type: 'generate', id: 1, request: longRequest });
      expect(await errorOf(third, 1)).toMatch(/8 generations are already running or waiting/);
      // Ending a page's work frees its places for the others.
      first.session.dispose();
      second.session.dispose();
      third.session.handle({ type: 'generate', id: 2, request: { ...longRequest, maxTokens: 2 } });
      expect(await errorOf(third, 2)).toBeNull();
    } finally {
      for (const page of pages) page.session.dispose();
    }
  });

  it('scores a text as a call, and a cancel with the call’s id stops a long one', async () => {
    const { session, messages } = sessionLog();
    const result = (id: number) =>
      expect
        .poll(() => messages.find((m): m is Extract<ServerMessage, { type: 'result' }> => m.type === 'result' && m.id === id), {
          timeout: 30_000,
          interval: 5,
        })
        .toBeDefined()
        .then(() => messages.find((m): m is Extract<ServerMessage, { type: 'result' }> => m.type === 'result' && m.id === id)!);
    session.handle({ type: 'call', id: 20, call: { method: 'scoreText', context: 'The keeper', text: ' climbed the stairs.' } });
    const scored = await result(20);
    expect(scored.ok).toBe(true);
    if (scored.ok) expect((scored.value as ScoreResult).tokens.map((t) => t.text).join('')).toBe(' climbed the stairs.');
    session.handle({ type: 'call', id: 21, call: { method: 'scoreText', context: '', text: 'The tide came in. '.repeat(3000) } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.handle({ type: 'cancel', id: 21 });
    const cancelled = await result(21);
    expect(cancelled.ok).toBe(false);
    if (!cancelled.ok) expect(cancelled.error).toMatch(/scoring cancelled/);
    // Two at once at most per page; a third is refused at once, and the page going away stops the others.
    const long = { method: 'scoreText', context: '', text: 'The tide came in. '.repeat(3000) } as const;
    for (const id of [22, 23, 24]) session.handle({ type: 'call', id, call: long });
    const refused = await result(24);
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/already has 2 texts being scored/) });
    session.dispose();
  });

  it('a killed host fails the running generation, restarts, and says so', async () => {
    const states: EngineState[] = [];
    const stop = services.engine.onState((state) => states.push(state));
    const { session, ended, tokens } = sessionLog();
    session.handle({ type: 'generate', id: 5, request: longRequest });
    await expect.poll(() => tokens(5), { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
    session.handle({ type: 'call', id: 6, call: { method: 'restartEngine' } });
    expect((await ended(5)).error).toMatch(/engine stopped/);
    await expect.poll(() => services.engine.state.status, { timeout: 60_000 }).toBe('ready');
    expect(states.map((s) => s.status)).toEqual(['restarting', 'ready']);
    expect(services.engine.state.restarts).toBe(1);
    expect(services.engine.state.message).toMatch(/restarted/);
    session.handle({ type: 'generate', id: 7, request: { ...longRequest, maxTokens: 3 } });
    expect((await ended(7)).error).toBeNull();
    stop();
    session.dispose();
  });
});
