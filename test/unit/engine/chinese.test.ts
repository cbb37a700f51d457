/** A Chinese GPT-2 (BERT WordPiece vocabulary, like uer/gpt2-chinese-cluecorpussmall) runs end to end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleContext } from '../../../electron/engine/context-window.js';
import { generateWith, WINDOW_RESERVE } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type StopReason } from '../../../electron/engine/types.js';
import type { Decoder } from '../../../electron/engine/runtime/decoder.js';
import { testModel } from '../../support/fixtures.js';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel({ modelDir: await testModel('tiny-chinese-seed5', { seed: 5, tokenizer: 'bert-chinese' }), devices: ['cpu'] });
});
afterAll(async () => {
  await model.release();
});

/** The same model with each candidate's next-token logits adjusted by `steer` after every real forward pass. */
function steered(steerRow: (logits: Float32Array, top: number) => void): LoadedModel {
  const steer = (logits: Float32Array, vocab: number): void => {
    for (let row = 0; row < logits.length / vocab; row++) {
      const slice = logits.subarray(row * vocab, (row + 1) * vocab);
      steerRow(
        slice,
        slice.reduce((m, v) => Math.max(m, v), -Infinity),
      );
    }
  };
  const decoder: Decoder = {
    vocabSize: model.decoder.vocabSize,
    contextWindow: model.decoder.contextWindow,
    cachedTokens: model.decoder.cachedTokens,
    setContext: async (t) => {
      const result = await model.decoder.setContext(t);
      steer(result.logits, model.decoder.vocabSize);
      return result;
    },
    startGeneration: (b, n) => model.decoder.startGeneration(b, n),
    keepCandidates: (k) => model.decoder.keepCandidates(k),
    step: async (t) => {
      const logits = await model.decoder.step(t);
      steer(logits, model.decoder.vocabSize);
      return logits;
    },
    contextLogits: (t, from) => model.decoder.contextLogits(t, from),
    continuationLogits: (s, at) => model.decoder.continuationLogits(s, at),
  };
  return { ...model, decoder };
}

async function generateOne(m: LoadedModel, request: Omit<GenerateRequest, 'candidates'>) {
  let text = '';
  const ids: number[] = [];
  let reason: StopReason | null = null;
  let promptTokens = -1;
  for await (const e of generateWith(m, { ...request, candidates: 1 })) {
    if (e.type === 'token') {
      text += e.text;
      if (e.tokenId >= 0) ids.push(e.tokenId);
    } else if (e.type === 'done') reason = e.reason;
    else promptTokens = e.promptTokens;
  }
  return { text, ids, reason, promptTokens };
}

describe('Chinese GPT-2', () => {
  it('takes its stop token from the tokenizer ([SEP]), not from config.json', () => {
    expect(model.config.vocabSize).toBe(21128);
    expect(model.config.eosTokenId).toBe(50256);
    expect(model.eosTokenId).toBe(102);
    expect(model.tokenizer.kind).toBe('wordpiece');
  });

  it('starts the text with [CLS], as UER-py trained these models ([CLS] text [SEP] per document)', async () => {
    const cls = model.tokenizer.startTokenId!;
    expect(cls).toBe(101);
    const context = '宝玉听了，忙笑道';
    const ids = model.tokenizer.encode(context);
    const greedy = { ...DEFAULT_SAMPLER, greedy: true };
    const run = await generateOne(model, { context, maxTokens: 1, sampler: greedy });
    expect(run.promptTokens).toBe(ids.length + 1);
    // The first token is the model's choice after [CLS] + the text, not after the bare text.
    const { logits } = await model.decoder.setContext([cls, ...ids]);
    const argmax = logits.reduce((best, value, i) => (value > logits[best]! ? i : best), 0);
    expect(run.ids[0]).toBe(argmax);
    // An empty page is [CLS] alone, not [SEP] (which ends a text).
    expect((await generateOne(model, { context: '', maxTokens: 1, sampler: greedy })).promptTokens).toBe(1);
  });

  it('leaves [CLS] out once the window has slid past the start of the text, and counts its position when it fits', async () => {
    const greedy = { ...DEFAULT_SAMPLER, greedy: true };
    const window = model.decoder.contextWindow;
    const long = '满纸荒唐言，一把辛酸泪。都云作者痴，谁解其中味？'.repeat(80);
    const slid = await generateOne(model, { context: long, maxTokens: 4, sampler: greedy });
    const tokens = assembleContext({ text: long, encode: model.encode, window: window - 1, reserve: WINDOW_RESERVE }).tokens;
    expect(slid.promptTokens).toBe(tokens.length);
    // With the marker the window holds one token less of text, and the text still fits the window.
    const fits = '满纸荒唐言，一把辛酸泪。'.repeat(40);
    const whole = await generateOne(model, { context: fits, maxTokens: 4, sampler: greedy });
    expect(whole.promptTokens).toBe(model.encode(fits).length + 1);
    expect(whole.promptTokens).toBeLessThanOrEqual(window - 4);
  });

  it('generates to a sentence end: a suggestion stops at 。 and shows no [CLS], [SEP] or [UNK]', async () => {
    // Random weights rarely pick one of 21128 tokens; 。 gets a lead over the likeliest token so that a sampled
    // sentence ends within a few characters. Everything else is the real model, sampler, decoder and stop rule.
    const stop = model.tokenizer.encode('。')[0]!;
    const markers = [100, 101, 102];
    const nudged = steered((logits, top) => {
      logits[stop] = top + 0.5;
      // The markers are as likely as the best token: the decoder must still keep them out of the text.
      // ([SEP] would end the generation, so only [UNK] and [CLS].)
      for (const id of markers) if (id !== 102) logits[id] = top;
    });
    const run = await generateOne(nudged, {
      context: '黛玉笑道：',
      maxTokens: 60,
      sampler: { ...DEFAULT_SAMPLER, seed: 11 },
      stopAt: 'sentence',
    });
    expect(run.reason).toBe('sentence');
    // A 。 before any content does not end the suggestion; the first one after content does.
    expect(run.text.replace(/^。+/u, '')).toMatch(/^[^。\s][^。]*。$/u);
    // The token after 。 decided the stop (no closer followed) and is not shown.
    expect(model.tokenizer.decode(run.ids).startsWith(run.text)).toBe(true);
    expect(run.ids.filter((id) => markers.includes(id)).length).toBeGreaterThan(0);
    expect(run.text).not.toMatch(/\[(?:CLS|SEP|UNK)\]/u);
    expect(run.ids.length).toBeLessThan(60);
  });

  it('stops at ，for a phrase', async () => {
    const comma = model.tokenizer.encode('，')[0]!;
    const nudged = steered((logits, top) => {
      logits[comma] = top + 0.5;
    });
    const run = await generateOne(nudged, {
      context: '春天来了',
      maxTokens: 60,
      sampler: { ...DEFAULT_SAMPLER, seed: 4 },
      stopAt: 'phrase',
    });
    expect(run.reason).toBe('phrase');
    expect(run.text.replace(/^，+/u, '')).toMatch(/^[^，\s][^，]*，$/u);
  });

  it('streams Chinese text without the spaces the WordPiece decoder puts between characters', async () => {
    let streamed = '';
    let ids: number[] = [];
    let done = '';
    for await (const e of generateWith(model, {
      context: '今天天气很好，我们去公园吧。',
      maxTokens: 40,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, seed: 3 },
    })) {
      if (e.type === 'token') {
        streamed += e.text;
        if (e.tokenId >= 0) ids = [...ids, e.tokenId];
      } else if (e.type === 'done') done = e.text;
    }
    expect(done).toBe(streamed);
    expect(streamed).toBe(model.tokenizer.decode(ids));
    expect((streamed.match(/[\u4e00-\u9fff]/gu) ?? []).length).toBeGreaterThan(10);
    expect(streamed).not.toMatch(/[\u4e00-\u9fff] +[\u4e00-\u9fff]/u);
  });

  it('stops when the model emits [SEP]', async () => {
    const sep = model.eosTokenId!;
    // Steer the model to [SEP] after its first token by making every other token impossible.
    const rigged: LoadedModel = {
      ...model,
      decoder: {
        ...model.decoder,
        vocabSize: model.decoder.vocabSize,
        contextWindow: model.decoder.contextWindow,
        cachedTokens: model.decoder.cachedTokens,
        setContext: (t) => model.decoder.setContext(t),
        startGeneration: (b, n) => model.decoder.startGeneration(b, n),
        keepCandidates: (k) => model.decoder.keepCandidates(k),
        step: async (t) => {
          const logits = await model.decoder.step(t);
          for (let i = 0; i < logits.length; i++) if (i % model.decoder.vocabSize !== sep) logits[i] = -1e9;
          return logits;
        },
      },
    };
    const reasons: string[] = [];
    let tokens = 0;
    for await (const e of generateWith(rigged, {
      context: '他说',
      maxTokens: 10,
      candidates: 1,
      sampler: { ...DEFAULT_SAMPLER, seed: 1 },
    })) {
      if (e.type === 'done') reasons.push(e.reason);
      if (e.type === 'token' && e.tokenId >= 0) tokens++;
    }
    expect(reasons).toEqual(['eos']);
    expect(tokens).toBe(1);
  });
});
