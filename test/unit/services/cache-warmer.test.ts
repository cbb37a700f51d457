/**
 * The editor warms the engine's cache with the ghost text on screen, so the suggestion asked for after Tab reads
 * only what it must. Any page may ask: the work queued is one running prefill and one waiting, the newest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../../../electron/engine/engine.js';
import { DEFAULT_SAMPLER, type GenerationStats } from '../../../electron/engine/types.js';
import { CacheWarmer } from '../../../electron/services/cache-warmer.js';
import { prose } from '../../bench/prose.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

let engine: LocalEngine;
beforeAll(async () => {
  engine = await LocalEngine.load({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
});
afterAll(async () => {
  await engine.close();
});

async function statsOf(context: string): Promise<GenerationStats> {
  let stats: GenerationStats | null = null;
  for await (const event of engine.generate({ context, maxTokens: 4, candidates: 3, sampler: { ...DEFAULT_SAMPLER, seed: 1 } })) {
    if (event.type === 'stats') stats = event;
  }
  return stats!;
}

describe('cache warmer', () => {
  it('after warming with the accepted text, the next suggestion reads only its last token', async () => {
    const before = prose(300, 3);
    const accepted = `${before} The keeper lit the lamp and waited for the boats to come home.`;
    await statsOf(before);
    const warmer = new CacheWarmer(() => engine);
    const warmed = await warmer.warm({ context: accepted, maxTokens: 4 });
    expect(warmed?.reusedTokens).toBeGreaterThan(0);
    const next = await statsOf(accepted);
    expect(next.reusedTokens).toBe(next.promptTokens - 1);

    // Without the warm-up, the accepted words are read when the suggestion is asked for.
    const other = `${before} The gulls rose crying over the harbour wall as the tide turned.`;
    await statsOf(before);
    const cold = await statsOf(other);
    expect(cold.promptTokens - cold.reusedTokens).toBeGreaterThan(10);
  });

  it('runs one at a time and keeps only the newest waiting wish; the ones it replaced answer null', async () => {
    const warmer = new CacheWarmer(() => engine);
    const texts = [1, 2, 3, 4].map((seed) => prose(200, seed));
    const results = await Promise.all(texts.map((context) => warmer.warm({ context, maxTokens: 4 })));
    expect(results.map((result) => result === null)).toEqual([false, true, true, false]);
    // The cache holds the last one.
    const next = await statsOf(texts[3]!);
    expect(next.reusedTokens).toBe(next.promptTokens - 1);
  });

  it('says so when no model is loaded, and goes on warming once one is', async () => {
    let current: LocalEngine | null = null;
    const warmer = new CacheWarmer(() => current);
    await expect(warmer.warm({ context: 'The sea', maxTokens: 4 })).rejects.toThrow(/No model is loaded/);
    current = engine;
    expect(await warmer.warm({ context: prose(50, 9), maxTokens: 4 })).not.toBeNull();
  });
});

describe('a warm-up keeps the window where the cache has it', () => {
  it('near a slide, a guess that would slide the window is left undone, so the writer’s own next text still finds its cache', async () => {
    const words = prose(3000, 4).split(' ');
    const guess = ' The keeper lit the lamp, climbed down to the rocks and waited there for the boats to come home.';
    let context = '';
    let skipped = false;
    // The first length at which the text alone keeps its window but the text and the guess would slide it.
    for (let n = 600; n < 2400 && !skipped; n += 8) {
      context = words.slice(0, n).join(' ');
      await engine.prefill({ context, maxTokens: 4 });
      skipped = (await engine.prefill({ context: context + guess, maxTokens: 4, keepWindow: true })).skipped === true;
    }
    expect(skipped).toBe(true);
    const own = await statsOf(`${context} Then`);
    expect(own.reusedTokens).toBeGreaterThanOrEqual(own.promptTokens - 4);

    // The same guess cached without keepWindow slides the cache, and the writer's text is read again whole.
    await engine.prefill({ context, maxTokens: 4 });
    expect((await engine.prefill({ context: context + guess, maxTokens: 4 })).skipped).toBeUndefined();
    const moved = await statsOf(`${context} Then`);
    expect(moved.reusedTokens).toBeLessThan(moved.promptTokens / 2);
  });

  it('away from a slide, the guess is cached, and following it reads only its last token', async () => {
    const context = prose(200, 6);
    const guess = ' The gulls rose crying over the harbour wall.';
    await statsOf(context);
    const warmed = await engine.prefill({ context: context + guess, maxTokens: 4, keepWindow: true });
    expect(warmed.skipped).toBeUndefined();
    expect(warmed.reusedTokens).toBeGreaterThan(0);
    const followed = await statsOf(context + guess);
    expect(followed.reusedTokens).toBe(followed.promptTokens - 1);
  });
});
