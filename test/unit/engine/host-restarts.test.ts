/**
 * The engine host never loops: a model that kills the host while it loads is not loaded again, and a host that
 * keeps dying is restarted after growing pauses, then no more; the writer reads why in the engine state.
 * Real host processes throughout; a model "too big for this machine" is simulated with a small heap limit.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHostClient, spawnProcessHost, startEngineHost, type RestartPolicy } from '../../../electron/engine/host/engine-host.js';
import { DEFAULT_SAMPLER, type Engine, type EngineHostEvent } from '../../../electron/engine/types.js';
import { EngineSupervisor } from '../../../electron/services/engine-supervisor.js';
import type { EngineState } from '../../../electron/shared/api.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

/** The tiny model loads in about 40 MB of heap; the vocabulary below needs several times that. */
const HEAP_LIMIT = ['--max-old-space-size=64'];
const FAST: RestartPolicy = { firstDelayMs: 300, maxDelayMs: 1200, maxCrashes: 3, windowMs: 60_000 };

let scratch: string;
let good: string;
/** A checkpoint whose vocab.txt has two million words: parsing it exhausts the host's heap, killing it mid-load. */
let heapBomb: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'kaituhi-restarts-'));
  good = await tinyCheckpoint();
  heapBomb = path.join(scratch, 'heap-bomb');
  await cp(good, heapBomb, { recursive: true, filter: (src) => !/(tokenizer\.json|vocab\.json|merges\.txt)$/.test(src) });
  const words = Array.from({ length: 2_000_000 }, (_, i) => `w${i}`);
  await writeFile(path.join(heapBomb, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...words].join('\n'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Spawns real host processes with a small heap, counting them. */
function countingSpawn(): { spawn: () => ReturnType<typeof spawnProcessHost>; count: () => number } {
  let spawned = 0;
  return {
    spawn: () => {
      spawned += 1;
      return spawnProcessHost({ execArgv: HEAP_LIMIT });
    },
    count: () => spawned,
  };
}

async function generatesText(host: Engine): Promise<string> {
  let text = '';
  for await (const e of host.generate({
    context: 'Once upon a time',
    maxTokens: 3,
    candidates: 1,
    sampler: { ...DEFAULT_SAMPLER, greedy: true },
  }))
    if (e.type === 'token') text += e.text;
  return text;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine host restarts', () => {
  it('a model that kills the host while loading is not loaded again, and the writer is told why', async () => {
    const hosts = countingSpawn();
    const supervisor = new EngineSupervisor((options) => startEngineHost(options, hosts.spawn, FAST), { devices: ['cpu'] });
    const states: EngineState[] = [];
    supervisor.onState((s) => states.push(s));
    try {
      await supervisor.use(good);
      expect(supervisor.state.status).toBe('ready');
      await supervisor.use(heapBomb);
      expect(supervisor.state.status).toBe('failed');
      expect(supervisor.state.message).toMatch(/stopped while loading/);
      expect(supervisor.state.message).toContain(heapBomb);
      // The interface's words come from the reason code, not from the sentence above.
      expect(supervisor.state.failure).toEqual({ kind: 'died-loading', detail: expect.stringMatching(/^engine host /) });
      // Long enough for any restart to have happened: none does, the host that died stays down.
      await sleep(3 * FAST.firstDelayMs + 1000);
      expect(hosts.count()).toBe(1);
      expect(states.map((s) => s.status)).not.toContain('restarting');
      expect(supervisor.state.restarts).toBe(0);
      // The writer picks a good model: a fresh host serves it.
      await supervisor.use(good);
      expect(supervisor.state.status).toBe('ready');
      expect(hosts.count()).toBe(2);
      expect((await generatesText(supervisor.engine!)).length).toBeGreaterThan(0);
    } finally {
      await supervisor.close();
    }
  });

  it('a host that keeps dying is restarted after growing pauses, then no more until the writer asks', async () => {
    const hosts = countingSpawn();
    const client = new EngineHostClient({ modelDir: good, devices: ['cpu'] }, hosts.spawn, FAST);
    const events: { at: number; event: EngineHostEvent }[] = [];
    client.onEvent((event) => events.push({ at: performance.now(), event }));
    try {
      await client.start();
      for (let crash = 1; crash <= 3; crash++) {
        client.kill();
        await expect.poll(() => events.filter((e) => e.event.type === 'restarted').length, { timeout: 30_000 }).toBe(crash);
      }
      const crashed = events.filter((e) => e.event.type === 'crashed');
      expect(crashed.map((e) => (e.event.type === 'crashed' ? e.event.restartInMs : null))).toEqual([300, 600, 1200]);
      // Each restart waited at least its pause.
      const restarted = events.filter((e) => e.event.type === 'restarted');
      crashed.forEach((c, i) =>
        expect(restarted[i]!.at - c.at).toBeGreaterThanOrEqual(c.event.type === 'crashed' ? c.event.restartInMs - 5 : 0),
      );
      expect(hosts.count()).toBe(4);

      client.kill(); // a fourth crash within the minute
      await expect.poll(() => events.at(-1)?.event.type, { timeout: 10_000 }).toBe('gave-up');
      expect(events.at(-1)?.event).toMatchObject({ failure: { kind: 'crashed-repeatedly', detail: 'engine host killed by SIGKILL' } });
      await sleep(2 * FAST.maxDelayMs);
      expect(hosts.count()).toBe(4);
      await expect(generatesText(client)).rejects.toThrow(/stopped 4 times/);

      // Choosing a model again is the writer's decision to try once more.
      await client.reload({ modelDir: good, devices: ['cpu'] });
      expect(hosts.count()).toBe(5);
      expect((await generatesText(client)).length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('a restart whose model no longer loads ends in a failed state that says why, not in "restarting" for ever', async () => {
    const hosts = countingSpawn();
    const vanishing = path.join(scratch, 'vanishing');
    await cp(good, vanishing, { recursive: true });
    const supervisor = new EngineSupervisor((options) => startEngineHost(options, hosts.spawn, FAST), { devices: ['cpu'] });
    try {
      await supervisor.use(vanishing);
      expect(supervisor.state.status).toBe('ready');
      await rm(path.join(vanishing, 'model.safetensors'));
      supervisor.restart();
      await expect.poll(() => supervisor.state.status, { timeout: 30_000 }).toBe('failed');
      expect(supervisor.state.message).toContain(`${vanishing}: no model weights found`);
      expect(supervisor.state.failure).toEqual({
        kind: 'load-failed',
        detail: expect.stringContaining(`${vanishing}: no model weights found`),
      });
      expect(hosts.count()).toBe(2);
    } finally {
      await supervisor.close();
    }
  });

  it('the engine state says when a restart comes, that the engine was given up on and why, and Restart engine still works', async () => {
    const hosts = countingSpawn();
    const supervisor = new EngineSupervisor((options) => startEngineHost(options, hosts.spawn, { ...FAST, maxCrashes: 1 }), {
      devices: ['cpu'],
    });
    const states: EngineState[] = [];
    supervisor.onState((s) => states.push(s));
    try {
      await supervisor.use(good);
      supervisor.restart();
      await expect.poll(() => supervisor.state.restarts, { timeout: 30_000 }).toBe(1);
      expect(supervisor.state.status).toBe('ready');
      // The pause of the first restart (300 ms) in whole seconds, and only while restarting.
      expect(states.find((s) => s.status === 'restarting')?.restartInSeconds).toBe(1);
      expect(supervisor.state.restartInSeconds).toBeNull();
      supervisor.restart();
      await expect.poll(() => supervisor.state.status, { timeout: 10_000 }).toBe('failed');
      expect(supervisor.state.message).toMatch(/stopped 2 times/);
      expect(supervisor.state.message).toMatch(/not restarted/);
      expect(supervisor.state.failure).toEqual({ kind: 'crashed-repeatedly', detail: 'engine host killed by SIGKILL' });
      expect(supervisor.engine).toBeNull();
      expect(hosts.count()).toBe(2);

      // No engine to generate with, yet Restart engine (the menu's and the notice's) has one to restart.
      expect(supervisor.canRestart).toBe(true);
      supervisor.restart();
      await expect.poll(() => supervisor.state.status, { timeout: 30_000 }).toBe('ready');
      expect(supervisor.state.failure).toBeNull();
      expect(hosts.count()).toBe(3);
    } finally {
      await supervisor.close();
    }
  });
});
