/**
 * One set of limits: whatever the API lets the writer ask for, the engine host accepts. The host kept its own
 * schema (no-repeat n-gram 16, candidates 8, maxTokens 2048, temperature 10 against the API's 32, 16, 512 and
 * 5), so a no-repeat n-gram of 17 to 32 broke every suggestion.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_LIMITS, type GenerateRequest } from '../../../electron/common/generation.js';
import { startEngineHost } from '../../../electron/engine/host/engine-host.js';
import { clientMessageSchema as hostMessageSchema } from '../../../electron/engine/host/protocol.js';
import { DEFAULT_SAMPLER, type EngineHost } from '../../../electron/engine/types.js';
import { parseClientMessage } from '../../../electron/shared/validators.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

let host: EngineHost;
beforeAll(async () => {
  host = await startEngineHost({ modelDir: await tinyCheckpoint(), devices: ['cpu'] });
}, 300_000);
afterAll(async () => {
  await host.close();
});

const L = GENERATION_LIMITS;

describe('generation limits', () => {
  it('a request at the edge of every API limit runs through the host', async () => {
    const request: GenerateRequest = {
      context: 'The lighthouse keeper counted the ships',
      maxTokens: 24,
      candidates: L.candidates.max,
      sampler: {
        ...DEFAULT_SAMPLER,
        temperature: L.temperature.max,
        topK: L.topK.max,
        repetitionPenalty: L.repetitionPenalty.max,
        repetitionWindow: L.repetitionWindow.max,
        noRepeatNgramSize: 20,
        seed: 5,
      },
      stopAt: 'none',
    };
    for (const noRepeatNgramSize of [20, L.noRepeatNgramSize.max]) {
      const done: number[] = [];
      for await (const e of host.generate({ ...request, sampler: { ...request.sampler, noRepeatNgramSize } }))
        if (e.type === 'done') done.push(e.candidate);
      expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('every request the API accepts, the host’s protocol accepts', () => {
    const between = (l: { min: number; max: number }) => fc.double({ min: l.min, max: l.max, noNaN: true });
    const int = (l: { min: number; max: number }) => fc.integer({ min: l.min, max: l.max });
    const requests = fc.record({
      context: fc.string({ maxLength: 40 }),
      maxTokens: int(L.maxTokens),
      candidates: int(L.candidates),
      sampler: fc.record({
        greedy: fc.boolean(),
        temperature: between(L.temperature),
        topK: int(L.topK),
        topP: fc.double({ min: 0, max: 1, noNaN: true }),
        minP: fc.double({ min: 0, max: 1, noNaN: true }),
        typicalP: fc.double({ min: 0, max: 1, noNaN: true }),
        repetitionPenalty: between(L.repetitionPenalty),
        repetitionWindow: int(L.repetitionWindow),
        noRepeatNgramSize: int(L.noRepeatNgramSize),
      }),
      stopAt: fc.constantFrom('none', 'phrase', 'sentence', 'paragraph'),
      stream: fc.boolean(),
    });
    fc.assert(
      fc.property(requests, (request) => {
        expect(parseClientMessage({ type: 'generate', id: 1, request }).ok).toBe(true);
        expect(hostMessageSchema.safeParse({ type: 'generate', id: 1, request }).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a request for final texts only gets no token events, and the same texts', async () => {
    const request: GenerateRequest = {
      context: 'Once',
      maxTokens: 12,
      candidates: 3,
      sampler: { ...DEFAULT_SAMPLER, seed: 9 },
      stopAt: 'none',
    };
    const run = async (stream: boolean) => {
      const types: string[] = [];
      const texts: string[] = [];
      for await (const e of host.generate({ ...request, stream })) {
        types.push(e.type);
        if (e.type === 'done') texts[e.candidate] = e.text;
      }
      return { types, texts };
    };
    const streamed = await run(true);
    const final = await run(false);
    expect(streamed.types.filter((t) => t === 'token').length).toBeGreaterThan(3);
    expect(final.types.sort()).toEqual(['done', 'done', 'done', 'stats']);
    expect(final.texts).toEqual(streamed.texts);
  });
});
