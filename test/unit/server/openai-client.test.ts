/**
 * Conformance with the official `openai` npm client: what it sends, `kaituhi serve` understands, and what
 * `kaituhi serve` answers, it parses (completions with and without streaming, the model list, and its error
 * classes chosen by status). The real engine on the tiny generated model, over real HTTP.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, cliGreedy, startOpenAiStack, type OpenAiStack } from './openai-stack.js';

const PROMPT = 'Rain fell on the harbour all night';
let stack: OpenAiStack;
let client: OpenAI;
let model: string;

beforeAll(async () => {
  stack = await startOpenAiStack();
  client = new OpenAI({ baseURL: stack.base, apiKey: API_KEY, maxRetries: 0 });
  model = stack.services.engine.state.info!.modelName;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('the openai client against kaituhi serve', () => {
  it('lists the model', async () => {
    const ids: string[] = [];
    for await (const listed of client.models.list()) ids.push(listed.id);
    expect(ids).toEqual([model]);
    expect((await client.models.retrieve(model)).id).toBe(model);
  });

  it('completions.create without stream: the greedy text of `kaituhi generate --greedy`, with usage', async () => {
    const expected = await cliGreedy(stack.modelDir, PROMPT, 20);
    const completion = await client.completions.create({ model, prompt: PROMPT, max_tokens: 20, temperature: 0 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.text).toBe(expected);
    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(20);
    expect(completion.usage?.total_tokens).toBe(completion.usage!.prompt_tokens + 20);
  }, 60_000);

  it('completions.create with stream: chunks that add up to the same text, n of them with stop and seed', async () => {
    const whole = await client.completions.create({ model, prompt: PROMPT, max_tokens: 20, temperature: 0 });
    const stream = await client.completions.create({ model, prompt: PROMPT, max_tokens: 20, temperature: 0, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.text;
        finish = choice.finish_reason ?? finish;
      }
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(finish).toBe('length');

    const texts = ['', '', ''];
    const seeded = await client.completions.create({
      model,
      prompt: PROMPT,
      max_tokens: 10,
      n: 3,
      seed: 7,
      stop: ['\n'],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of seeded) {
      for (const choice of chunk.choices) texts[choice.index] += choice.text;
      usage = chunk.usage ?? usage;
    }
    const again = await client.completions.create({ model, prompt: PROMPT, max_tokens: 10, n: 3, seed: 7, stop: ['\n'] });
    expect(again.choices.map((choice) => choice.text)).toEqual(texts);
    expect(texts.every((t) => !t.includes('\n'))).toBe(true);
    expect(usage?.completion_tokens).toBe(again.usage?.completion_tokens);
  });

  it('completions.create with logprobs, with and without stream: tokens, their logprobs and the alternatives', async () => {
    const completion = await client.completions.create({ model, prompt: PROMPT, max_tokens: 8, temperature: 0, logprobs: 2 });
    const logprobs = completion.choices[0]!.logprobs!;
    expect(logprobs.tokens).toHaveLength(8);
    expect(logprobs.tokens!.join('')).toBe(completion.choices[0]!.text);
    expect(logprobs.token_logprobs!.every((logprob) => logprob < 0)).toBe(true);
    expect(logprobs.top_logprobs!.every((top) => Object.keys(top).length >= 1 && Object.keys(top).length <= 3)).toBe(true);
    expect(logprobs.text_offset![0]).toBe(0);

    const stream = await client.completions.create({ model, prompt: PROMPT, max_tokens: 8, temperature: 0, logprobs: 2, stream: true });
    const tokens: string[] = [];
    for await (const chunk of stream) for (const choice of chunk.choices) tokens.push(...(choice.logprobs?.tokens ?? []));
    expect(tokens).toEqual(logprobs.tokens);
  });

  it('raises the client’s own error classes: bad request, authentication, unknown model', async () => {
    await expect(client.completions.create({ model, prompt: PROMPT, max_tokens: 20, temperature: 9 })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    const bad = await client.completions.create({ model, prompt: PROMPT, n: 99 }).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n');
    const stranger = new OpenAI({ baseURL: stack.base, apiKey: 'not-the-key', maxRetries: 0 });
    await expect(stranger.completions.create({ model, prompt: PROMPT })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const missing = await client.completions.create({ model: 'davinci-002', prompt: PROMPT }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });
});
