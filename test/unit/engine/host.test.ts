/** The engine host keeps inference off the caller's thread and comes back after a crash. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHost } from '../../../electron/engine/host/engine-host.js';
import { PREFILL_CHUNK } from '../../../electron/engine/runtime/kaituhi-decoder.js';
import { DEFAULT_SAMPLER, type EngineHost, type EngineHostEvent, type GenerateRequest } from '../../../electron/engine/types.js';
import { testModel } from '../../support/fixtures.js';

let host: EngineHost;
beforeAll(async () => {
  // distilgpt2's shape: big enough that a 1024-token prefill takes long enough to stall a thread visibly.
  host = await startEngineHost({ modelDir: await testModel('distilgpt2-seed3', { shape: 'distilgpt2', seed: 3 }), devices: ['cpu'] });
  // As much text as fills the window without sliding it: about 1020 tokens.
  const perSentence = await host.countTokens(sentence);
  longText = sentence.repeat(Math.floor(1020 / perSentence));
  const tail = 1020 - (await host.countTokens(longText));
  longText += ' rain'.repeat(Math.max(0, tail));
}, 300_000);
afterAll(async () => {
  await host.close();
});

const sentence = 'The rain came down over the harbour and the boats knocked together in the dark. ';
let longText = '';

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return { context: longText, maxTokens: 1, candidates: 1, sampler: { ...DEFAULT_SAMPLER, seed: 1 }, ...overrides };
}

describe('engine host', () => {
  it('keeps the calling thread free while it prefills 1024 tokens: timers keep firing', async () => {
    // Counts, not milliseconds: inference on this thread would let a timer in only between the prefill's blocking
    // runs (one per PREFILL_CHUNK tokens); in another process it fires all along. The gap in milliseconds is
    // measured by `npm run bench:micro`.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    let contextTokens = 0;
    try {
      for await (const e of host.generate(request())) if (e.type === 'stats') contextTokens = e.contextTokens;
    } finally {
      clearInterval(timer);
    }
    expect(contextTokens).toBeGreaterThan(1000);
    expect(contextTokens).toBeLessThanOrEqual(1023);
    const blockingRuns = Math.ceil(contextTokens / PREFILL_CHUNK) + 1;
    expect(ticks).toBeGreaterThan(blockingRuns + 5);
  });

  it('prefills through the host, and the next request reuses it', async () => {
    const context = 'The tide came in over the causeway, and nobody crossed that night. '.repeat(20);
    const warm = await host.prefill({ context, maxTokens: 8 });
    expect(warm.contextTokens).toBeGreaterThan(200);
    let reused = 0;
    for await (const e of host.generate(request({ context: `${context}Then`, maxTokens: 2 })))
      if (e.type === 'stats') reused = e.reusedTokens;
    expect(reused).toBeGreaterThanOrEqual(warm.contextTokens - 1);
  });

  it('restarts after being killed mid-generation, and the next request works', async () => {
    const events: EngineHostEvent[] = [];
    host.onEvent((e) => events.push(e));
    const failed = (async () => {
      for await (const e of host.generate(request({ context: 'A short story', maxTokens: 200 }))) {
        if (e.type === 'token') host.kill();
      }
    })();
    await expect(failed).rejects.toThrow(/engine stopped/);
    let text = '';
    for await (const e of host.generate(request({ context: 'A short story', maxTokens: 4 }))) if (e.type === 'token') text += e.text;
    expect(text.length).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toContain('crashed');
    await expect.poll(() => events.map((e) => e.type)).toContain('restarted');
  });
});
