/**
 * A cancel sent right behind its request reaches the engine. The host client posts the abort straight after the
 * request when the signal is already aborted (a writer who typed on at once, an API client that hung up), so
 * both can arrive in one read of the channel; the host used to register the generation only after an await,
 * missed the abort, and decoded every token anyway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHost } from '../../../electron/engine/host/engine-host.js';
import { DEFAULT_SAMPLER, type EngineHost, type GenerationEvent } from '../../../electron/engine/types.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

let host: EngineHost;
beforeAll(async () => {
  host = await startEngineHost({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
}, 120_000);
afterAll(async () => {
  await host.close();
});

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const all: GenerationEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('engine host cancellation', () => {
  it('stops a generation whose signal was aborted before it was sent, within one step', async () => {
    const request = { context: 'The harbour at night', maxTokens: 512, candidates: 8, sampler: { ...DEFAULT_SAMPLER, seed: 3 } };
    for (let round = 0; round < 3; round++) {
      const cancelled = new AbortController();
      cancelled.abort();
      const events = await collect(host.generate(request, cancelled.signal));
      const reasons = events.flatMap((event) => (event.type === 'done' ? [event.reason] : []));
      expect(reasons).toEqual(Array(8).fill('aborted'));
      // The abort may land before the first step or just after it: one token per candidate at most.
      const stats = events.find((event) => event.type === 'stats');
      expect(stats?.type === 'stats' && stats.generatedTokens).toBeLessThanOrEqual(8);
    }
    // The host is free and whole afterwards.
    const after = await collect(host.generate({ ...request, maxTokens: 3, candidates: 1 }));
    expect(after.find((event) => event.type === 'done')).toMatchObject({ reason: 'length' });
  });
});
