import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../renderer/transport/api-client.js';
import type { LinkStatus, MessageLink } from '../../renderer/transport/message-link.js';
import type { ClientMessage, ServerMessage } from '../../electron/shared/api.js';
import { DEFAULT_SAMPLER } from '../../electron/engine/types.js';

/** A link whose other end is the test: it sees what the client sends and replies by hand. */
function fakeLink() {
  const sent: ClientMessage[] = [];
  const messageListeners = new Set<(message: ServerMessage) => void>();
  const statusListeners = new Set<(status: LinkStatus) => void>();
  const link: MessageLink = {
    send: (message) => sent.push(message),
    onMessage: (listener) => (messageListeners.add(listener), () => messageListeners.delete(listener)),
    onStatus: (listener) => (statusListeners.add(listener), () => statusListeners.delete(listener)),
  };
  return {
    link,
    sent,
    reply: (message: ServerMessage) => messageListeners.forEach((listener) => listener(message)),
    status: (status: LinkStatus) => statusListeners.forEach((listener) => listener(status)),
  };
}

const request = { context: 'It was', maxTokens: 4, candidates: 2, sampler: DEFAULT_SAMPLER };

describe('API client over a message link', () => {
  it('matches replies to calls by id', async () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const first = api.app.countTokens({ text: 'a b' });
    const second = api.app.countTokens({ text: 'c' });
    expect(end.sent).toEqual([
      { type: 'call', id: 1, call: { method: 'countTokens', text: 'a b' } },
      { type: 'call', id: 2, call: { method: 'countTokens', text: 'c' } },
    ]);
    end.reply({ type: 'result', id: 2, ok: true, value: 1 });
    end.reply({ type: 'result', id: 1, ok: false, error: 'No model is loaded.' });
    await expect(second).resolves.toBe(1);
    await expect(first).rejects.toThrow('No model is loaded.');
  });

  it('assembles streamed candidates and reports how the generation ended', async () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const seen: string[] = [];
    const handle = api.generate(request, (event) => seen.push(event.type));
    const id = end.sent[0]!.id;
    end.reply({ type: 'generation', id, event: { type: 'token', candidate: 1, text: ' a', tokenId: 1, logprob: -1 } });
    end.reply({ type: 'generation', id, event: { type: 'token', candidate: 0, text: ' the', tokenId: 2, logprob: -1 } });
    end.reply({ type: 'generation', id, event: { type: 'token', candidate: 0, text: ' sea', tokenId: 3, logprob: -1 } });
    end.reply({ type: 'generation-end', id, error: null });
    await expect(handle.finished).resolves.toEqual({
      texts: [' the sea', ' a'],
      tokens: [[], []],
      stats: null,
      cancelled: false,
      error: null,
    });
    expect(seen).toEqual(['token', 'token', 'token']);
  });

  it('keeps each candidate’s token alternatives, streamed one by one or sent whole with the final text', async () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const weighed = (offset: number, text: string) => ({
      tokenId: offset,
      text,
      offset,
      logprob: -1,
      top: [{ tokenId: 9, text: ' sky', logprob: -0.5 }],
    });
    const streamed = api.generate(request);
    const id = end.sent[0]!.id;
    end.reply({
      type: 'generation',
      id,
      event: { type: 'token', candidate: 0, text: ' the', tokenId: 2, logprob: -1, alternatives: weighed(0, ' the') },
    });
    end.reply({
      type: 'generation',
      id,
      event: { type: 'token', candidate: 0, text: ' sea', tokenId: 3, logprob: -1, alternatives: weighed(4, ' sea') },
    });
    end.reply({ type: 'generation-end', id, error: null });
    expect((await streamed.finished).tokens).toEqual([[weighed(0, ' the'), weighed(4, ' sea')]]);

    const whole = api.generate({ ...request, stream: false });
    const wholeId = end.sent[1]!.id;
    end.reply({
      type: 'generation',
      id: wholeId,
      event: { type: 'done', candidate: 1, reason: 'length', text: ' sea', tokens: [weighed(0, ' sea')] },
    });
    end.reply({ type: 'generation', id: wholeId, event: { type: 'done', candidate: 0, reason: 'length', text: ' the' } });
    end.reply({ type: 'generation-end', id: wholeId, error: null });
    expect((await whole.finished).tokens).toEqual([[], [weighed(0, ' sea')]]);
  });

  it('cancel sends one cancel, and the outcome says cancelled', async () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const handle = api.generate(request);
    handle.cancel();
    handle.cancel();
    expect(end.sent.filter((message) => message.type === 'cancel')).toHaveLength(1);
    end.reply({ type: 'generation-end', id: end.sent[0]!.id, error: null });
    await expect(handle.finished).resolves.toMatchObject({ cancelled: true });
  });

  it('a call aborted by its signal is rejected at once and cancelled in the services, once', async () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const controller = new AbortController();
    const counting = api.app.countTokens({ text: 'a long text' }, { signal: controller.signal });
    const id = end.sent[0]!.id;
    controller.abort();
    controller.abort();
    await expect(counting).rejects.toThrow('Cancelled.');
    expect(end.sent.filter((message) => message.type === 'cancel')).toEqual([{ type: 'cancel', id }]);
    // A late answer to it is dropped; a call that finishes first is not cancelled afterwards.
    end.reply({ type: 'result', id, ok: true, value: 3 });
    const other = new AbortController();
    const done = api.app.countTokens({ text: 'short' }, { signal: other.signal });
    end.reply({ type: 'result', id: end.sent.at(-1)!.id, ok: true, value: 1 });
    await expect(done).resolves.toBe(1);
    other.abort();
    expect(end.sent.filter((message) => message.type === 'cancel')).toHaveLength(1);
    await expect(api.app.countTokens({ text: 'x' }, { signal: controller.signal })).rejects.toThrow('Cancelled.');
  });

  it('a dropped link fails what was waiting instead of hanging the editor', async () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const call = api.app.getSnapshot();
    const generation = api.generate(request);
    end.status('closed');
    await expect(call).rejects.toThrow(/Lost the connection/);
    await expect(generation.finished).resolves.toMatchObject({ error: expect.stringMatching(/Lost the connection/) });
  });

  it('passes pushed engine and settings states to listeners', () => {
    const end = fakeLink();
    const api = createApiClient(end.link);
    const statuses: string[] = [];
    const stop = api.onEngineState((state) => statuses.push(state.status));
    end.reply({ type: 'engine', state: { status: 'restarting', modelDir: '/m', info: null, message: 'x', restarts: 0 } });
    stop();
    end.reply({ type: 'engine', state: { status: 'ready', modelDir: '/m', info: null, message: null, restarts: 1 } });
    expect(statuses).toEqual(['restarting']);
  });
});
