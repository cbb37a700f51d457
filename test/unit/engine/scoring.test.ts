/**
 * Scoring a text: logits at chosen positions from every decoder (the graph's `logit_rows`), the joining batch of
 * continuations over a shared context, and the engine's `score` (surprisal and rank of every token, a running
 * context across window slides, the prefix cache, yielding to generations, cancellation), all checked against the
 * float64 reference model.
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGpt2Checkpoint } from '../../../electron/engine/formats/gpt2-checkpoint.js';
import { readGpt2Config } from '../../../electron/engine/formats/gpt2-config.js';
import { buildDeviceGraph } from '../../../electron/engine/graph/device-graph.js';
import { LocalEngine } from '../../../electron/engine/engine.js';
import { GenerationAbortedError } from '../../../electron/engine/errors.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import type { Decoder } from '../../../electron/engine/runtime/decoder.js';
import { DeviceDecoder } from '../../../electron/engine/runtime/device-decoder.js';
import { SCORE_CHUNK_TOKENS, offsetsIn } from '../../../electron/engine/score.js';
import { DEFAULT_SAMPLER, type ScoreRequest, type ScoreResult } from '../../../electron/engine/types.js';
import { startEngineHost } from '../../../electron/engine/index.js';
import { testModel, tinyCheckpoint } from '../../support/fixtures.js';
import { loadReferenceModel, logSoftmax, type ReferenceModel } from '../../support/reference-model.js';
import { prose } from '../../bench/prose.js';

const PROMPT = [464, 3290, 373, 257, 1110, 11, 290, 262, 9151, 1625, 13, 198, 1, 40, 1101, 407];
const EOS = 50256;

let reference: ReferenceModel;
let checkpointDir: string;
beforeAll(async () => {
  checkpointDir = await tinyCheckpoint();
  reference = await loadReferenceModel(checkpointDir);
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function row(logits: Float32Array, r: number, V: number): Float32Array {
  return logits.subarray(r * V, (r + 1) * V);
}

describe('logits at chosen positions, from every decoder', () => {
  const decoders: Record<string, Decoder> = {};
  const releases: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const host = await loadModel({ modelDir: checkpointDir, precision: 'fp32', devices: ['cpu'] });
    decoders['Kaituhi graph'] = host.decoder;
    releases.push(() => host.release());
    const config = await readGpt2Config(path.join(checkpointDir, 'config.json'));
    const session = await ort.InferenceSession.create(buildDeviceGraph(await loadGpt2Checkpoint(checkpointDir, config), 'fp32').toBytes(), {
      executionProviders: ['cpu'],
    });
    decoders['device graph'] = new DeviceDecoder(session, {
      layers: config.nLayer,
      heads: config.nHead,
      headDim: config.nEmbd / config.nHead,
      vocabSize: config.vocabSize,
      contextWindow: config.nPositions,
    });
    releases.push(() => session.release());
    const exported = await testModel('tiny-seed1-optimum-with-past', {
      format: 'onnx',
      onnxFiles: [{ precision: 'fp32', variant: 'with-past' }],
    });
    const asExported = await loadModel({ modelDir: exported, precision: 'fp32', devices: ['cpu'], graph: 'as-exported' });
    expect(asExported.info.graph).toBe('as-exported');
    decoders['as exported'] = asExported.decoder;
    releases.push(() => asExported.release());
  });
  afterAll(async () => {
    for (const release of releases) await release();
  });

  for (const name of ['Kaituhi graph', 'device graph', 'as exported']) {
    it(`${name}: contextLogits equals the reference at every asked position, and reuses the cache before them`, async () => {
      const decoder = decoders[name]!;
      const V = decoder.vocabSize;
      const expected = reference.logits(PROMPT);
      const all = await decoder.contextLogits(PROMPT, 0);
      expect(all.logits.length).toBe(PROMPT.length * V);
      for (let p = 0; p < PROMPT.length; p++) expect(maxAbsDiff(row(all.logits, p, V), expected[p]!)).toBeLessThan(1e-4);
      // The cache holds PROMPT: asking from position 9 runs only positions 9.. again.
      const tail = await decoder.contextLogits(PROMPT, 9);
      expect(tail.reused).toBe(9);
      expect(tail.logits.length).toBe((PROMPT.length - 9) * V);
      for (let p = 9; p < PROMPT.length; p++) expect(maxAbsDiff(row(tail.logits, p - 9, V), expected[p]!)).toBeLessThan(1e-4);
      // setContext is the last position alone.
      const last = await decoder.setContext(PROMPT);
      expect(maxAbsDiff(last.logits, expected.at(-1)!)).toBeLessThan(1e-4);
      await expect(decoder.contextLogits(PROMPT, PROMPT.length)).rejects.toThrow(RangeError);
    });

    it(`${name}: continuationLogits runs sequences of different lengths as one batch over the context`, async () => {
      const decoder = decoders[name]!;
      const V = decoder.vocabSize;
      const context = PROMPT.slice(0, 8);
      await decoder.setContext(context);
      const sequences = [[11, 290, 262], [9151], [1625, 13, 198, 1]];
      const at = [[0, 1, 2], [0], [1, 3]];
      const got = await decoder.continuationLogits(sequences, at);
      sequences.forEach((sequence, b) => {
        const expected = reference.logits([...context, ...sequence]);
        at[b]!.forEach((p, k) => expect(maxAbsDiff(row(got[b]!, k, V), expected[context.length + p]!)).toBeLessThan(1e-4));
      });
      // The context is still cached and unchanged.
      const again = await decoder.setContext([...context, 5]);
      expect(again.reused).toBe(8);
      expect(maxAbsDiff(again.logits, reference.logits([...context, 5]).at(-1)!)).toBeLessThan(1e-4);
    });
  }
});

describe('scoring a text (tiny model, fp32)', () => {
  let model: LoadedModel;
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await LocalEngine.load({ modelDir: checkpointDir, precision: 'fp32', devices: ['cpu'] });
    model = await loadModel({ modelDir: checkpointDir, precision: 'fp32', devices: ['cpu'] });
  });
  afterAll(async () => {
    await engine.close();
    await model.release();
  });

  /**
   * What each token of `text` should score: the reference model over the window the engine documents (memory
   * pinned, windows starting at multiples of 256 of the context-and-text tokens), checked at `positions` (indices
   * into the text's tokens; all by default).
   */
  function expectReference(result: ScoreResult, request: ScoreRequest, positions?: number[], top = 0): void {
    const memory = request.memory ? model.encode(request.memory) : [];
    const body = [...model.encode(request.context), ...model.encode(request.text)];
    const first = body.length - model.encode(request.text).length;
    const room = 1024 - memory.length;
    const wanted = positions ?? result.tokens.map((_, i) => i);
    const byWindow = new Map<number, number[]>();
    for (const i of wanted) {
      const b = first + i;
      const s = Math.max(0, Math.ceil((b - room) / 256) * 256);
      byWindow.set(s, [...(byWindow.get(s) ?? []), b]);
    }
    for (const [s, indices] of byWindow) {
      const ids = [...memory, ...body.slice(s, Math.max(...indices))];
      // Token b is predicted after position memory.length + (b - s) - 1; the document's first token, with nothing
      // before it, after <|endoftext|>.
      const at = (b: number): number => memory.length + (b - s) - 1;
      const logits = reference.logits(ids, new Set(indices.map(at)));
      const start = reference.logits([EOS])[0]!;
      for (const b of indices) {
        const expected = logSoftmax(at(b) < 0 ? start : logits[at(b)]!);
        const token = result.tokens[b - first]!;
        expect(token.tokenId).toBe(body[b]);
        expect(Math.abs(token.logprob - expected[token.tokenId]!)).toBeLessThan(1e-4);
        let rank = 1;
        for (const v of expected) if (v > expected[token.tokenId]!) rank++;
        expect(token.rank).toBe(rank);
        if (top > 0) {
          const order = Array.from(expected.keys()).sort((x, y) => expected[y]! - expected[x]!);
          expect(token.top!.map((t) => t.tokenId)).toEqual(order.slice(0, top));
          for (const t of token.top!) expect(Math.abs(t.logprob - expected[t.tokenId]!)).toBeLessThan(1e-4);
        }
      }
    }
  }

  it('every token of a text after a context: surprisal and rank equal the reference, offsets rebuild the text', async () => {
    const request: ScoreRequest = {
      context: 'The lighthouse keeper had not spoken to anyone in three weeks.',
      text: ' On the morning the boat came, she wore her good coat — “for luck,” she said.',
      topAlternatives: 5,
    };
    const result = await engine.score(request);
    expect(result.tokens.length).toBe(model.encode(request.text).length);
    expect(result.stats.contextTokens).toBe(model.encode(request.context).length);
    expectReference(result, request, undefined, 5);
    let end = 0;
    for (const t of result.tokens) {
      expect(t.offset).toBe(end);
      end += t.text.length;
    }
    expect(result.tokens.map((t) => t.text).join('')).toBe(request.text);
    const mean = result.tokens.reduce((sum, t) => sum + t.logprob, 0) / result.tokens.length;
    expect(result.perplexity).toBeCloseTo(Math.exp(-mean), 8);
  });

  it('the first token of a document is read after <|endoftext|>; memory is pinned before the context', async () => {
    const atStart: ScoreRequest = { context: '', text: 'Rain fell on the harbour all night.' };
    const first = await engine.score(atStart);
    expect(first.stats.contextTokens).toBe(0);
    expectReference(first, atStart);
    const withMemory: ScoreRequest = { memory: 'Mara is the keeper.', context: 'It rained.', text: ' Mara climbed the stairs.' };
    const second = await engine.score(withMemory);
    expect(second.stats.contextTokens).toBe(model.encode(withMemory.memory!).length + model.encode(withMemory.context).length);
    expectReference(second, withMemory);
  });

  it('a text longer than the window slides it by 256 tokens, each token reading as much as fits', async () => {
    const text = prose(1100, 3);
    const request: ScoreRequest = { context: '', text };
    const tokens = model.encode(text).length;
    expect(tokens).toBeGreaterThan(1300);
    const result = await engine.score(request);
    expect(result.tokens.length).toBe(tokens);
    expect(result.stats.windows).toBe(1 + Math.ceil((tokens - 1 - 1024) / 256));
    // The edges of each window and a few inside (the reference's head over every position would take minutes).
    const positions = [0, 1, 700, 1023, 1024, 1025, 1279, 1280, 1281, tokens - 1];
    expectReference(result, request, positions);
  });

  it('uses the prefix cache both ways: scoring after a generation, and a generation after scoring', async () => {
    const context = prose(300, 5);
    for await (const _ of engine.generate({ context, maxTokens: 4, candidates: 1, sampler: { ...DEFAULT_SAMPLER, seed: 1 } })) void _;
    const scored = await engine.score({ context, text: ' And then the lamp went out.' });
    expect(scored.stats.reusedTokens).toBe(model.encode(context).length - 1);
    let reused = 0;
    const request = {
      context: `${context} And then the lamp went out.`,
      maxTokens: 4,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, seed: 1 },
    };
    for await (const e of engine.generate(request)) if (e.type === 'stats') reused = e.reusedTokens;
    expect(reused).toBe(model.encode(request.context).length - 1);
  });

  it('after a one-word edit, only the text after it is scored, and it equals a cold score', async () => {
    const before = prose(200, 8);
    const after = ' The storm broke over the rocks before dawn, and nobody saw the light go out.';
    await engine.score({ context: '', text: before + after });
    const edited = await engine.score({ context: `${before} Then`, text: after });
    expect(edited.stats.reusedTokens).toBe(model.encode(before).length);
    const cold = await LocalEngine.load({ modelDir: checkpointDir, precision: 'fp32', devices: ['cpu'] });
    const fresh = await cold.score({ context: `${before} Then`, text: after });
    await cold.close();
    expect(fresh.stats.reusedTokens).toBe(0);
    expect(edited.tokens.map((t) => t.tokenId)).toEqual(fresh.tokens.map((t) => t.tokenId));
    edited.tokens.forEach((t, i) => expect(Math.abs(t.logprob - fresh.tokens[i]!.logprob)).toBeLessThan(1e-5));
  });

  it('a generation asked for while a long text is scored goes first, after one chunk', async () => {
    const text = prose(900, 4);
    const alone = await engine.score({ context: '', text });
    expect(alone.stats.chunks).toBeGreaterThan(10);
    const order: string[] = [];
    const scoring = engine.score({ context: '', text }).then((r) => {
      order.push('score');
      return r;
    });
    // Let the scoring take the engine first, then ask for a suggestion.
    await new Promise((resolve) => setImmediate(resolve));
    const generation = (async () => {
      for await (const e of engine.generate({
        context: 'The keeper',
        maxTokens: 3,
        candidates: 1,
        sampler: { ...DEFAULT_SAMPLER, seed: 2 },
      }))
        if (e.type === 'stats') order.push('generation');
    })();
    const [result] = await Promise.all([scoring, generation]);
    expect(order).toEqual(['generation', 'score']);
    // The scoring went on afterwards and its numbers are the same as without the interruption.
    expect(result.tokens.map((t) => t.tokenId)).toEqual(alone.tokens.map((t) => t.tokenId));
    result.tokens.forEach((t, i) => expect(Math.abs(t.logprob - alone.tokens[i]!.logprob)).toBeLessThan(1e-5));
  });

  it('cancels between chunks, and the engine serves the next request', async () => {
    const controller = new AbortController();
    const scoring = engine.score({ context: '', text: prose(900, 6) }, controller.signal);
    setImmediate(() => controller.abort());
    await expect(scoring).rejects.toThrow(GenerationAbortedError);
    const after = await engine.score({ context: 'A', text: ' short line.' });
    expect(after.tokens.length).toBeGreaterThan(0);
    expectReference(after, { context: 'A', text: ' short line.' });
  });

  it('an empty text scores nothing and has no perplexity', async () => {
    const result = await engine.score({ context: 'Something before.', text: '' });
    expect(result.tokens).toEqual([]);
    expect(result.perplexity).toBeNull();
  });

  it('chunks are at most SCORE_CHUNK_TOKENS positions', async () => {
    const text = prose(200, 9);
    const result = await engine.score({ context: '', text });
    expect(result.stats.chunks).toBe(1 + Math.ceil((model.encode(text).length - 1) / SCORE_CHUNK_TOKENS));
  });
});

describe('offsets of a tokenizer that does not give the text back', () => {
  it('finds WordPiece pieces in the text, skipping whitespace and case', () => {
    expect(offsetsIn('Hello 世界!', ['hello', ' 世', ' 界', ' !'])).toEqual([0, 5, 7, 8]);
    expect(offsetsIn('Unbreakable', ['un', '##break', '##able'])).toEqual([0, 2, 7]);
    // A piece the text does not hold stays where the last one ended; the next is found after what it stood for.
    expect(offsetsIn('abc', ['a', '[UNK]', 'c'])).toEqual([0, 1, 2]);
  });
});

describe('scoring through the engine host', () => {
  it('a child-process engine scores like the engine in this thread, and cancels', async () => {
    const host = await startEngineHost({ modelDir: checkpointDir, precision: 'fp32', devices: ['cpu'] });
    const local = await LocalEngine.load({ modelDir: checkpointDir, precision: 'fp32', devices: ['cpu'] });
    try {
      const request: ScoreRequest = { context: 'The keeper', text: ' climbed the stairs.', topAlternatives: 3 };
      const [remote, here] = [await host.score(request), await local.score(request)];
      expect(remote.tokens).toEqual(here.tokens);
      const controller = new AbortController();
      const long = host.score({ context: '', text: prose(5000, 2) }, controller.signal);
      setTimeout(() => controller.abort(), 20);
      await expect(long).rejects.toThrow(/scoring cancelled/);
      await expect(host.score({ context: 'a'.repeat(10), text: 'b'.repeat(100_001) })).rejects.toThrow();
    } finally {
      await host.close();
      await local.close();
    }
  });
});

describe('scoring with a WordPiece model (uer’s Chinese GPT-2 layout)', () => {
  it('reads the text after [CLS] as the model was trained, and places every token in the text', async () => {
    const dir = await testModel('tiny-chinese-seed5', { seed: 5, tokenizer: 'bert-chinese' });
    const engine = await LocalEngine.load({ modelDir: dir, devices: ['cpu'] });
    const chinese = await loadReferenceModel(dir);
    const local = await loadModel({ modelDir: dir, devices: ['cpu'] });
    try {
      const text = '他说：“好。”她笑了。';
      const result = await engine.score({ context: '', text });
      const ids = local.encode(text);
      const cls = local.tokenizer.startTokenId!;
      expect(result.tokens.map((t) => t.tokenId)).toEqual(ids);
      const logits = chinese.logits([cls, ...ids]);
      result.tokens.forEach((t, i) => expect(Math.abs(t.logprob - logSoftmax(logits[i]!)[t.tokenId]!)).toBeLessThan(1e-4));
      // Each character's token sits on that character.
      for (const t of result.tokens) expect(text.slice(t.offset, t.offset + 1)).toBe(t.text.trim().slice(0, 1));
    } finally {
      await engine.close();
      await local.release();
    }
  });
});
