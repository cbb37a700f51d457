/**
 * Issue 15: `kaituhi serve` speaks OpenAI's completions API. The real engine on the tiny generated model, over
 * real HTTP: greedy output equals `kaituhi generate --greedy`, streamed chunks add up to the same text, n, stop,
 * seed and echo do what OpenAI documents, the penalties and llama.cpp's and vLLM's sampling filters change what is
 * written as they should, a closed connection cancels the generation in the engine, and the key, the Origin and the
 * Host are refused where they should be, with OpenAI-shaped errors.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWith } from '../../../electron/engine/generate.js';
import { loadModel } from '../../../electron/engine/model/load-model.js';
import { CLIENT_LIMITS } from '../../../electron/services/client-limits.js';
import { loadReferenceModel, logSoftmax } from '../../support/reference-model.js';
import {
  ALLOWED_ORIGIN,
  API_KEY,
  cliGreedy,
  postJson,
  rawGet,
  readEvents,
  startOpenAiStack,
  until,
  type OpenAiStack,
} from './openai-stack.js';

interface Logprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Array<Record<string, number>>;
  text_offset: number[];
}

interface Completion {
  id: string;
  object: string;
  model: string;
  choices: Array<{ text: string; index: number; logprobs: Logprobs | null; finish_reason: string | null }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const PROMPT = 'The lighthouse keeper climbed the stairs';
let stack: OpenAiStack;
let modelId: string;

beforeAll(async () => {
  stack = await startOpenAiStack();
  modelId = stack.services.engine.state.info!.modelName;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

async function complete(body: object): Promise<Completion> {
  const reply = await postJson(stack, '/completions', body);
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as Completion;
}

async function stream(body: object, headers: Record<string, string> = {}): Promise<{ response: Response; events: string[] }> {
  const response = await fetch(`${stack.base}/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  return { response, events: await readEvents(response) };
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value, `token ${i}`).toBeCloseTo(expected[i]!, 4));
}

function chunksOf(events: string[]): Completion[] {
  expect(events.at(-1)).toBe('[DONE]');
  return events.slice(0, -1).map((event) => JSON.parse(event) as Completion);
}

describe('/v1/models', () => {
  it('lists the loaded model with its window, and finds it by name', async () => {
    const list = await fetch(`${stack.base}/models`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      object: 'list',
      data: [{ id: modelId, object: 'model', created: expect.any(Number), owned_by: 'kaituhi', max_model_len: 1024 }],
    });
    const one = await fetch(`${stack.base}/models/${encodeURIComponent(modelId)}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(await one.json()).toMatchObject({ id: modelId, object: 'model' });
    const other = await fetch(`${stack.base}/models/gpt-4`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(other.status).toBe(404);
    expect(((await other.json()) as ErrorBody).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });
});

describe('/v1/completions against the engine', () => {
  it('greedy (temperature 0) writes exactly what `kaituhi generate --greedy` writes, and streaming adds up to it', async () => {
    const expected = await cliGreedy(stack.modelDir, PROMPT, 24);
    expect(expected.length).toBeGreaterThan(0);
    const whole = await complete({ model: modelId, prompt: PROMPT, max_tokens: 24, temperature: 0 });
    expect(whole).toMatchObject({ object: 'text_completion', model: modelId, id: expect.stringMatching(/^cmpl-/) });
    expect(whole.choices).toEqual([{ text: expected, index: 0, logprobs: null, finish_reason: 'length' }]);
    const promptTokens = await stack.services.engine.engine!.countTokens(PROMPT);
    expect(whole.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 24, total_tokens: promptTokens + 24 });

    const { response, events } = await stream({ prompt: PROMPT, max_tokens: 24, temperature: 0 });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const chunks = chunksOf(events);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((chunk) => chunk.choices.map((choice) => choice.text).join('')).join('')).toBe(expected);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([{ text: '', index: 0, logprobs: null, finish_reason: 'length' }]);
    expect(last.usage).toEqual(whole.usage);
    expect(chunks.slice(0, -1).every((chunk) => chunk.choices[0]!.finish_reason === null && chunk.usage === undefined)).toBe(true);
  }, 60_000);

  it('n gives n choices, indexed; the same seed gives the same texts, another seed others', async () => {
    const body = { prompt: PROMPT, max_tokens: 12, n: 3, seed: 1234, temperature: 1 };
    const first = await complete(body);
    expect(first.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(new Set(first.choices.map((choice) => choice.text)).size).toBe(3);
    expect(first.usage.completion_tokens).toBe(36);
    const again = await complete(body);
    expect(again.choices.map((choice) => choice.text)).toEqual(first.choices.map((choice) => choice.text));
    const other = await complete({ ...body, seed: 4321 });
    expect(other.choices.map((choice) => choice.text)).not.toEqual(first.choices.map((choice) => choice.text));

    const { events } = await stream(body);
    const chunks = chunksOf(events);
    for (const index of [0, 1, 2]) {
      const text = chunks
        .flatMap((chunk) => chunk.choices.filter((choice) => choice.index === index).map((choice) => choice.text))
        .join('');
      expect(text).toBe(first.choices[index]!.text);
    }
    // Each choice finishes once; the usage rides on the last finish.
    const finishes = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.finish_reason !== null));
    expect(finishes.map((choice) => choice.index).sort()).toEqual([0, 1, 2]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(36);
  });

  it('stop ends a choice before the stop string, without it, with finish_reason "stop"', async () => {
    const greedy = (await complete({ prompt: PROMPT, max_tokens: 24, temperature: 0 })).choices[0]!.text;
    // A piece from the middle of what greedy writes: the text must end right before it.
    const stop = greedy.slice(Math.floor(greedy.length / 2), Math.floor(greedy.length / 2) + 3);
    const cut = greedy.slice(0, greedy.indexOf(stop));
    for (const asked of [stop, [stop, 'never written: ☃☃☃']]) {
      const stopped = await complete({ prompt: PROMPT, max_tokens: 24, temperature: 0, stop: asked });
      expect(stopped.choices[0]).toMatchObject({ text: cut, finish_reason: 'stop' });
      expect(stopped.usage.completion_tokens).toBeLessThan(24);
    }
    const { events } = await stream({ prompt: PROMPT, max_tokens: 24, temperature: 0, stop });
    const chunks = chunksOf(events);
    expect(chunks.map((chunk) => chunk.choices.map((choice) => choice.text).join('')).join('')).toBe(cut);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('echo puts the prompt before the text; with max_tokens 0 the answer is the prompt and its token count', async () => {
    const plain = (await complete({ prompt: PROMPT, max_tokens: 6, temperature: 0 })).choices[0]!.text;
    const echoed = await complete({ prompt: PROMPT, max_tokens: 6, temperature: 0, echo: true });
    expect(echoed.choices[0]!.text).toBe(PROMPT + plain);
    const { events } = await stream({ prompt: PROMPT, max_tokens: 6, temperature: 0, echo: true });
    expect(
      chunksOf(events)
        .map((chunk) => chunk.choices.map((choice) => choice.text).join(''))
        .join(''),
    ).toBe(PROMPT + plain);

    const promptOnly = await complete({ prompt: PROMPT, max_tokens: 0, echo: true });
    const promptTokens = await stack.services.engine.engine!.countTokens(PROMPT);
    expect(promptOnly.choices).toEqual([{ text: PROMPT, index: 0, logprobs: null, finish_reason: 'length' }]);
    expect(promptOnly.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens });
  });

  it("echo with logprobs: the prompt's own tokens and logprobs (the engine's scoring) come before the generated ones", async () => {
    const scored = await stack.services.engine.engine!.score({ memory: '', context: '', text: PROMPT, topAlternatives: 2 });
    const whole = await complete({ prompt: PROMPT, max_tokens: 4, temperature: 0, echo: true, logprobs: 2 });
    const { text, logprobs } = whole.choices[0]!;
    expect(text.startsWith(PROMPT)).toBe(true);
    const { tokens, token_logprobs, text_offset, top_logprobs } = logprobs!;
    expect(tokens.join('')).toBe(text);
    expect(tokens).toHaveLength(scored.tokens.length + 4);
    expect(tokens.slice(0, scored.tokens.length)).toEqual(scored.tokens.map((token) => token.text));
    expectClose(
      token_logprobs.slice(0, scored.tokens.length),
      scored.tokens.map((token) => token.logprob),
    );
    expect(text_offset).toEqual(tokens.map((_, i) => tokens.slice(0, i).join('').length));
    for (const top of top_logprobs) expect(Object.keys(top).length).toBeGreaterThanOrEqual(1);

    const promptOnly = await complete({ prompt: PROMPT, max_tokens: 0, echo: true, logprobs: 0 });
    expect(promptOnly.choices[0]!.logprobs!.tokens.join('')).toBe(PROMPT);
    expect(promptOnly.usage.prompt_tokens).toBe(scored.tokens.length);

    const { events } = await stream({ prompt: PROMPT, max_tokens: 4, temperature: 0, echo: true, logprobs: 2 });
    const streamed = chunksOf(events).flatMap((chunk) => chunk.choices.flatMap((choice) => (choice.logprobs ? [choice.logprobs] : [])));
    expect(streamed.flatMap((part) => part.tokens)).toEqual(tokens);
  });

  it('logprobs: each token of the text with its logprob, the likeliest alternatives and its offset, streamed or not', async () => {
    const body = { prompt: PROMPT, max_tokens: 16, temperature: 0, logprobs: 3 };
    const whole = await complete(body);
    const { text, logprobs } = whole.choices[0]!;
    expect(logprobs).not.toBeNull();
    const { tokens, token_logprobs, top_logprobs, text_offset } = logprobs!;
    expect(tokens).toHaveLength(16);
    expect(tokens.join('')).toBe(text);
    expect(text_offset).toEqual(tokens.map((_, i) => tokens.slice(0, i).join('').length));
    for (let i = 0; i < tokens.length; i++) {
      const top = top_logprobs[i]!;
      expect(Object.keys(top).length).toBeGreaterThanOrEqual(1);
      expect(Object.keys(top).length).toBeLessThanOrEqual(4);
      expect(token_logprobs[i]).toBeLessThan(0);
      // Greedy picks the likeliest token: it leads its own alternatives.
      expect(top[tokens[i]!]).toBe(token_logprobs[i]);
      expect(Math.max(...Object.values(top))).toBe(token_logprobs[i]);
      expect(Object.values(top).reduce((sum, logprob) => sum + Math.exp(logprob), 0)).toBeLessThanOrEqual(1 + 1e-9);
    }

    const { events } = await stream(body);
    const streamed = chunksOf(events).flatMap((chunk) => chunk.choices.flatMap((choice) => (choice.logprobs ? [choice.logprobs] : [])));
    expect(streamed.flatMap((part) => part.tokens)).toEqual(tokens);
    // A second pass reuses the cached prefix, whose float32 sums may differ in the last digits.
    expectClose(
      streamed.flatMap((part) => part.token_logprobs),
      token_logprobs,
    );
    expect(streamed.flatMap((part) => part.top_logprobs.map((top) => Object.keys(top)))).toEqual(
      top_logprobs.map((top) => Object.keys(top)),
    );
    expect(streamed.flatMap((part) => part.text_offset)).toEqual(text_offset);

    // logprobs 0: the chosen token's own logprob, no alternatives beside it.
    const bare = (await complete({ ...body, logprobs: 0 })).choices[0]!.logprobs!;
    expectClose(bare.token_logprobs, token_logprobs);
    expect(bare.top_logprobs.every((top, i) => Object.keys(top).length === 1 && top[bare.tokens[i]!] === bare.token_logprobs[i])).toBe(
      true,
    );
  });

  it('logprobs stop with the text: tokens after a stop string are not listed, streamed or not', async () => {
    const greedy = (await complete({ prompt: PROMPT, max_tokens: 24, temperature: 0 })).choices[0]!.text;
    const stop = greedy.slice(Math.floor(greedy.length / 2), Math.floor(greedy.length / 2) + 3);
    const body = { prompt: PROMPT, max_tokens: 24, temperature: 0, logprobs: 2, stop };
    const whole = (await complete(body)).choices[0]!;
    expect(whole.finish_reason).toBe('stop');
    // A stop string may start inside a token: that token still wrote part of the text and is listed; none after it.
    const { tokens, text_offset } = whole.logprobs!;
    expect(tokens.join('').startsWith(whole.text)).toBe(true);
    expect(text_offset.every((offset) => offset < whole.text.length)).toBe(true);
    expect(tokens.slice(0, -1).join('').length).toBeLessThan(whole.text.length);
    const { events } = await stream(body);
    const streamed = chunksOf(events).flatMap((chunk) => chunk.choices.flatMap((choice) => choice.logprobs?.tokens ?? []));
    expect(streamed).toEqual(whole.logprobs!.tokens);
  });

  it('maps presence and frequency penalties onto the sampler: they change what greedy picks', async () => {
    const plain = (await complete({ prompt: PROMPT, max_tokens: 24, temperature: 0 })).choices[0]!.text;
    const penalised = (await complete({ prompt: PROMPT, max_tokens: 24, temperature: 0, frequency_penalty: 2, presence_penalty: 2 }))
      .choices[0]!.text;
    expect(penalised).not.toBe(plain);
    const watched = stack.generations.at(-1)!;
    expect(watched.request.sampler).toMatchObject({ greedy: true, presencePenalty: 2, frequencyPenalty: 2, repetitionPenalty: 1 });
  });

  it('repetition_penalty changes greedy where it would repeat a token: the same text up to there, no repeat after', async () => {
    const promptTokens = (await complete({ prompt: PROMPT, max_tokens: 0, echo: true, logprobs: 0 })).choices[0]!.logprobs!.tokens;
    const tokensOf = async (extra: object) =>
      (await complete({ prompt: PROMPT, max_tokens: 16, temperature: 0, logprobs: 0, ...extra })).choices[0]!.logprobs!.tokens;
    const plain = await tokensOf({});
    const penalised = await tokensOf({ repetition_penalty: 5 });
    const { request } = stack.generations.at(-1)!;
    // The first token greedy writes that the prompt or greedy itself already had: the penalty's first chance to act.
    const firstRepeat = plain.findIndex((token, i) => promptTokens.includes(token) || plain.slice(0, i).includes(token));
    expect(firstRepeat).toBeGreaterThan(0);
    expect(penalised.slice(0, firstRepeat)).toEqual(plain.slice(0, firstRepeat));
    expect(penalised[firstRepeat]).not.toBe(plain[firstRepeat]);
    // At 5 (the most the API takes), every token already seen loses to a new one on this model.
    expect(new Set([...promptTokens, ...penalised]).size).toBe(promptTokens.length + penalised.length);
    expect(request.sampler).toMatchObject({ greedy: true, repetitionPenalty: 5 });
  });

  it('sends stream_options.include_usage as OpenAI does: a last chunk with no choices and the usage', async () => {
    const { events } = await stream({ prompt: PROMPT, max_tokens: 5, temperature: 0, stream_options: { include_usage: true } });
    const chunks = chunksOf(events);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
  });

  it('a client that closes its connection cancels the generation in the engine, between steps', async () => {
    const before = stack.generations.length;
    const controller = new AbortController();
    const response = await fetch(`${stack.base}/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: PROMPT, max_tokens: 512, n: 8, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{/);
    controller.abort();
    const watched = stack.generations[before]!;
    await until(() => watched.ended);
    expect(watched.reasons).toEqual(Array(8).fill('aborted'));
    expect(watched.stats!.generatedTokens).toBeLessThan(8 * 512);
    // The engine is free again at once.
    expect((await complete({ prompt: PROMPT, max_tokens: 3, temperature: 0 })).choices[0]!.finish_reason).toBe('length');
  }, 60_000);

  it(`serves requests in turn and answers 429 once ${CLIENT_LIMITS.apiGenerations} are running or waiting`, async () => {
    const controllers = Array.from({ length: CLIENT_LIMITS.apiGenerations + 2 }, () => new AbortController());
    const replies = await Promise.all(
      controllers.map((controller) =>
        fetch(`${stack.base}/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: PROMPT, max_tokens: 512, n: 8, stream: true }),
          signal: controller.signal,
        }),
      ),
    );
    try {
      const statuses = replies.map((reply) => reply.status);
      expect(statuses.filter((status) => status === 429)).toHaveLength(2);
      const refused = replies.find((reply) => reply.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as ErrorBody).error).toMatchObject({ type: 'rate_limit_error', code: 'queue_full' });
    } finally {
      for (const controller of controllers) controller.abort();
    }
    await until(() => stack.generations.every((generation) => generation.ended));
    expect(stack.services.generationSlots.take()).toBe(true);
    stack.services.generationSlots.giveBack();
  }, 60_000);
});

describe('the sampling filters llama.cpp and vLLM take (top_k, top_p, min_p, typical_p) shape what is sampled', () => {
  // Temperature 1: the logprobs are the distribution the filters cut (they are read before temperature).
  const sampled = { prompt: PROMPT, max_tokens: 16, temperature: 1, seed: 7 };

  /** A sampled token's logprob, and those of the listed alternatives likelier than it, likeliest first. */
  interface Step {
    chosen: number;
    likelier: number[];
  }

  async function steps(extra: object): Promise<Step[]> {
    const { logprobs } = (await complete({ ...sampled, logprobs: 5, ...extra })).choices[0]!;
    return logprobs!.tokens.map((token, i) => {
      const chosen = logprobs!.token_logprobs[i]!;
      const likelier = Object.entries(logprobs!.top_logprobs[i]!)
        .filter(([other, logprob]) => other !== token && logprob > chosen)
        .map(([, logprob]) => logprob)
        .sort((a, b) => b - a);
      return { chosen, likelier };
    });
  }

  const filters: Array<{ name: string; asked: object; sampler: object; keeps: (step: Step) => boolean }> = [
    { name: 'top_k 2', asked: { top_k: 2 }, sampler: { topK: 2 }, keeps: ({ likelier }) => likelier.length < 2 },
    {
      name: 'top_p 0.05',
      asked: { top_p: 0.05 },
      sampler: { topP: 0.05 },
      // Kept while the mass of the tokens before it is under top_p.
      keeps: ({ likelier }) => likelier.reduce((mass, logprob) => mass + Math.exp(logprob), 0) < 0.05,
    },
    {
      name: 'min_p 0.5',
      asked: { min_p: 0.5 },
      sampler: { minP: 0.5 },
      keeps: ({ chosen, likelier }) => chosen >= Math.log(0.5) + (likelier[0] ?? chosen) - 1e-6,
    },
  ];

  for (const { name, asked, sampler, keeps } of filters) {
    it(`${name}: every sampled token is one the filter keeps, where the same seed without it strays`, async () => {
      const filtered = await steps(asked);
      const { request } = stack.generations.at(-1)!;
      expect(filtered).toHaveLength(16);
      expect(filtered.filter((step) => !keeps(step))).toEqual([]);
      expect(request.sampler).toMatchObject({ greedy: false, seed: 7, ...sampler });
      // The rule is not one any sample meets: unfiltered, this seed picks tokens the filter removes.
      expect((await steps({})).filter((step) => !keeps(step)).length).toBeGreaterThan(0);
    });
  }

  it('top_k 1, a tiny top_p and min_p 1 leave only the likeliest token: the greedy text, whatever the seed', async () => {
    const greedy = (await complete({ ...sampled, temperature: 0 })).choices[0]!.text;
    const unfiltered = (await complete({ ...sampled, temperature: 1.5 })).choices[0]!.text;
    expect(unfiltered).not.toBe(greedy);
    for (const asked of [{ top_k: 1 }, { top_p: 1e-6 }, { min_p: 1 }]) {
      for (const seed of [7, 8]) {
        const text = (await complete({ ...sampled, temperature: 1.5, seed, ...asked })).choices[0]!.text;
        expect(text, JSON.stringify({ ...asked, seed })).toBe(greedy);
      }
    }
  });

  it("typical_p near 0 keeps only the token whose surprise is closest to the entropy (the float64 reference's), whatever the seed", async () => {
    const body = { ...sampled, max_tokens: 8, typical_p: 1e-6 };
    const text = (await complete(body)).choices[0]!.text;
    const { request } = stack.generations.at(-1)!;
    expect((await complete({ ...body, seed: 8 })).choices[0]!.text).toBe(text);
    expect(text).not.toBe((await complete({ ...body, temperature: 0, typical_p: null })).choices[0]!.text);

    // The same request in this process, as `kaituhi generate` runs it, for the token ids; then the reference model's view.
    const model = await loadModel({ modelDir: stack.modelDir });
    try {
      const ids: number[] = [];
      let local = '';
      for await (const event of generateWith(model, request)) {
        if (event.type === 'token' && event.tokenId >= 0) ids.push(event.tokenId);
        else if (event.type === 'done') local = event.text;
      }
      expect(local).toBe(text);
      const prompt = model.tokenizer.encode(PROMPT);
      const rows = (await loadReferenceModel(stack.modelDir)).logits([...prompt, ...ids]);
      ids.forEach((id, step) => {
        const logprobs = logSoftmax(rows[prompt.length - 1 + step]!);
        const entropy = -logprobs.reduce((sum, logprob) => sum + Math.exp(logprob) * logprob, 0);
        const distance = Array.from(logprobs, (logprob) => Math.abs(-logprob - entropy));
        // Within float32's reach of the closest in the whole vocabulary; the likeliest token is about 2 nats away.
        expect(distance[id]! - Math.min(...distance), `step ${step}`).toBeLessThan(1e-3);
      });
      expect(request.sampler).toMatchObject({ typicalP: 1e-6, topK: 0, topP: 1, minP: 0 });
    } finally {
      await model.release();
    }
  });
});

describe('who may call the API', () => {
  it('wants the per-launch token or the --api-key key as a Bearer key', async () => {
    const models = (authorization?: string) =>
      fetch(`${stack.base}/models`, { headers: authorization === undefined ? {} : { authorization } }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as ErrorBody,
      }));
    expect((await models(`Bearer ${API_KEY}`)).status).toBe(200);
    expect((await models(`bearer ${stack.server.token}`)).status).toBe(200);
    for (const wrong of [undefined, '', API_KEY, `Bearer ${API_KEY}x`, `Basic ${API_KEY}`, `Bearer ${stack.server.token.slice(1)}`]) {
      const reply = await models(wrong);
      expect(reply.status, String(wrong)).toBe(401);
      expect(reply.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
      expect(reply.body.error.message).toMatch(/API key/);
    }
    const post = await postJson(stack, '/completions', { prompt: PROMPT }, { authorization: 'Bearer nope' });
    expect(post.status).toBe(401);
  });

  it('lets a page from a --cors-origin origin in, and refuses every other origin, key or not', async () => {
    const preflight = (origin: string, headers = 'authorization, content-type') =>
      fetch(`${stack.base}/completions`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect((await preflight(ALLOWED_ORIGIN, 'authorization, x-evil')).status).toBe(403);
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${stack.server.port}`, 'http://localhost:5174']) {
      const refused = await preflight(origin);
      expect(refused.status, origin).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }

    const fromPage = await postJson(stack, '/completions', { prompt: PROMPT, max_tokens: 2 }, { origin: ALLOWED_ORIGIN });
    expect(fromPage.status).toBe(200);
    expect(fromPage.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const fromElsewhere = await postJson(stack, '/completions', { prompt: PROMPT, max_tokens: 2 }, { origin: 'https://evil.example' });
    expect(fromElsewhere.status).toBe(403);
    expect((fromElsewhere.json as ErrorBody).error.code).toBe('origin_not_allowed');
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a foreign Host (DNS rebinding) with an OpenAI-shaped 421', async () => {
    const reply = await rawGet(stack.server.port, '/v1/models', { host: 'evil.example', authorization: `Bearer ${API_KEY}` });
    expect(reply.status).toBe(421);
    expect((JSON.parse(reply.body) as ErrorBody).error.code).toBe('misdirected_request');
  });
});

describe('bad requests get OpenAI-shaped errors that name the parameter', () => {
  const cases: Array<{ name: string; body: unknown; status: number; param?: string | null; code?: string; message: RegExp }> = [
    { name: 'not JSON', body: '{"prompt": "The har', status: 400, param: null, message: /not valid JSON/ },
    { name: 'not an object', body: '[1, 2]', status: 400, message: /JSON object/ },
    {
      name: 'max_tokens of the wrong type',
      body: { prompt: 'x', max_tokens: 'ten' },
      status: 400,
      param: 'max_tokens',
      message: /max_tokens/,
    },
    {
      name: 'max_tokens over the limit',
      body: { prompt: 'x', max_tokens: 100_000 },
      status: 400,
      param: 'max_tokens',
      message: /max_tokens/,
    },
    { name: 'max_tokens 0 without echo', body: { prompt: 'x', max_tokens: 0 }, status: 400, param: 'max_tokens', message: /echo/ },
    { name: 'temperature out of range', body: { prompt: 'x', temperature: 9 }, status: 400, param: 'temperature', message: /temperature/ },
    { name: 'negative top_p', body: { prompt: 'x', top_p: -0.5 }, status: 400, param: 'top_p', message: /top_p/ },
    { name: 'n of 9', body: { prompt: 'x', n: 9 }, status: 400, param: 'n', message: /\bn\b/ },
    { name: 'a fractional n', body: { prompt: 'x', n: 1.5 }, status: 400, param: 'n', message: /\bn\b/ },
    { name: 'a seed beyond 32 bits', body: { prompt: 'x', seed: 2 ** 40 }, status: 400, param: 'seed', message: /seed/ },
    {
      name: 'presence_penalty of 3',
      body: { prompt: 'x', presence_penalty: 3 },
      status: 400,
      param: 'presence_penalty',
      message: /presence/,
    },
    { name: 'a prompt of numbers', body: { prompt: [464, 3290] }, status: 400, param: 'prompt', message: /token ids/ },
    { name: 'several prompts', body: { prompt: ['a', 'b'] }, status: 400, param: 'prompt', message: /one string.*2 prompts/ },
    { name: 'a prompt object', body: { prompt: { text: 'x' } }, status: 400, param: 'prompt', message: /string/ },
    { name: 'stop of the wrong type', body: { prompt: 'x', stop: 5 }, status: 400, param: 'stop', message: /stop/ },
    { name: 'too many stop strings', body: { prompt: 'x', stop: Array(17).fill('a') }, status: 400, param: 'stop', message: /stop/ },
    { name: 'logprobs over 5', body: { prompt: 'x', logprobs: 6 }, status: 400, param: 'logprobs', message: /logprobs/ },
    {
      name: 'logit_bias',
      body: { prompt: 'x', logit_bias: { '50256': -100 } },
      status: 400,
      param: 'logit_bias',
      message: /not supported/,
    },
    { name: 'suffix', body: { prompt: 'x', suffix: 'The end.' }, status: 400, param: 'suffix', message: /not supported/ },
    { name: 'best_of above n', body: { prompt: 'x', best_of: 3 }, status: 400, param: 'best_of', message: /best_of/ },
    { name: 'nested too deeply', body: `{"prompt":"x","user":${'['.repeat(50)}${']'.repeat(50)}}`, status: 400, message: /nested/ },
    {
      name: 'an unknown model',
      body: { model: 'gpt-3.5-turbo-instruct', prompt: 'x' },
      status: 404,
      param: 'model',
      code: 'model_not_found',
      message: /gpt-3\.5-turbo-instruct/,
    },
  ];

  for (const { name, body, status, param, code, message } of cases) {
    it(name, async () => {
      const reply = await postJson(stack, '/completions', body);
      expect(reply.status).toBe(status);
      const error = (reply.json as ErrorBody).error;
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(error.type).toBe('invalid_request_error');
      if (param !== undefined) expect(error.param).toBe(param);
      if (code !== undefined) expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });
  }

  it('ignores fields Kaituhi does not know (clients send many), and treats null as the default', async () => {
    const reply = await complete({ prompt: PROMPT, max_tokens: 2, mirostat: 2, grammar: '', user: 'me', temperature: null, stop: null });
    expect(reply.choices).toHaveLength(1);
  });

  it('refuses a body over the limit from its Content-Length, before reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: stack.server.port,
          path: '/v1/completions',
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(CLIENT_LIMITS.maxApiBodyBytes + 1) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"prompt": "');
    });
    expect(status).toBe(413);
  });

  it('answers the wrong method with 405 and an unknown path under /v1 with 404, in the same shape', async () => {
    const get = await fetch(`${stack.base}/completions`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(get.status).toBe(405);
    expect(((await get.json()) as ErrorBody).error.code).toBe('method_not_allowed');
    const chat = await postJson(stack, '/chat/completions', { messages: [] });
    expect(chat.status).toBe(404);
    expect((chat.json as ErrorBody).error.message).toMatch(/\/v1\/completions/);
  });
});
