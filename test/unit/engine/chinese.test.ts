/** A Chinese GPT-2 (BERT WordPiece vocabulary, like uer/gpt2-chinese-cluecorpussmall) runs end to end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWith } from '../../../electron/engine/generate.js';
import { loadModel, type LoadedModel } from '../../../electron/engine/model/load-model.js';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';
import { testModel } from '../../support/fixtures.js';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel({ modelDir: await testModel('tiny-chinese-seed5', { seed: 5, tokenizer: 'bert-chinese' }), devices: ['cpu'] });
});
afterAll(async () => {
  await model.release();
});

describe('Chinese GPT-2', () => {
  it('takes its stop token from the tokenizer ([SEP]), not from config.json', () => {
    expect(model.config.vocabSize).toBe(21128);
    expect(model.config.eosTokenId).toBe(50256);
    expect(model.eosTokenId).toBe(102);
    expect(model.tokenizer.kind).toBe('wordpiece');
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
