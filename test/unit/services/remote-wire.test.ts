/** The pieces of the server engine that need no server: prompt sizing, the event-stream reader, the request body. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';
import { PROMPT_STEP_CHARS, PromptSizer, remotePrompt, storyForServer } from '../../../electron/services/remote-engine/remote-prompt.js';
import { DEFAULT_NOTE, newLoreEntry } from '../../../electron/common/lore.js';
import { NO_LORE_STATE } from '../../../electron/engine/index.js';
import type { GenerateRequest } from '../../../electron/common/generation.js';
import { sseData } from '../../../electron/services/remote-engine/sse-reader.js';
import { apiBase, completionBody, errorWords } from '../../../electron/services/remote-engine/completions-wire.js';

function streamOf(parts: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

async function collect(parts: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(streamOf(parts))) out.push(data);
  return out;
}

describe('the prompt sent to a server', () => {
  it('is the whole text when it fits, memory first', () => {
    expect(remotePrompt('Once upon a time', 'Notes. ', 100)).toBe('Notes. Once upon a time');
  });

  it('keeps the end of a long text, starting on a word at a step boundary that stays put while the writer types', () => {
    const text = 'word '.repeat(2000);
    const prompt = remotePrompt(text, '', 3000);
    expect(prompt.length).toBeLessThanOrEqual(3000);
    expect(prompt.length).toBeGreaterThan(3000 - PROMPT_STEP_CHARS - 5);
    expect(text.endsWith(prompt)).toBe(true);
    expect(prompt.startsWith(' ')).toBe(true);
    // Typing a few more words does not move the start.
    const later = remotePrompt(`${text}more words here `, '', 3000);
    expect(later.startsWith(prompt)).toBe(true);
  });

  it('gives memory at most half the budget, keeping its end', () => {
    const prompt = remotePrompt('The end.', 'x'.repeat(500) + 'MEMORY END', 100);
    expect(prompt).toBe(`${'x'.repeat(40)}MEMORY ENDThe end.`);
  });

  it('is sized cautiously at first, then by the characters per token the server has counted', () => {
    const sizer = new PromptSizer();
    const first = sizer.budget(1024, 40);
    expect(first).toBeLessThan(1024);
    sizer.learn(4000, 1000);
    expect(sizer.budget(1024, 40)).toBeGreaterThan(3 * first);
    // A denser text lowers the estimate at once; only a quarter of a looser one's higher ratio counts.
    sizer.learn(1000, 1000);
    const dense = sizer.budget(1024, 40);
    expect(dense).toBeLessThan(first * 1.1);
    sizer.learn(8000, 1000);
    expect(sizer.budget(1024, 40)).toBeLessThan(dense * 3);
    // Unknown windows are taken as GPT-2's.
    expect(new PromptSizer().budget(null, 40)).toBe(first);
  });
});

describe('the story context sent to a server', () => {
  const lighthouse = newLoreEntry('lighthouse', { keys: ['lighthouse'], text: 'The lighthouse has stood dark since 1871.', scanDepth: 40 });
  const rule = newLoreEntry('rule', { alwaysOn: true, text: 'Magic costs blood.', priority: 1 });
  const big = newLoreEntry('big', { alwaysOn: true, text: 'x'.repeat(300), priority: 0 });
  const request = (context: string, extra: Partial<GenerateRequest> = {}): GenerateRequest =>
    ({
      context,
      maxTokens: 16,
      candidates: 1,
      sampler: { temperature: 1, topK: 0, topP: 1, minP: 0, typicalP: 1, repetitionPenalty: 1, noRepeatNgram: 0 },
      ...extra,
    }) as GenerateRequest;

  it('pins the memory, then the active lore in the order it came on, within the lore budget by priority', () => {
    const lorebook = { budget: 20, entries: [lighthouse, rule, big] };
    const quiet = storyForServer(request('She walked home.', { memory: 'Winter.', lorebook }), NO_LORE_STATE, 1);
    // 20 characters of budget: the always-on rule (priority 1) fits, the 300-character entry does not.
    expect(quiet.pinned).toBe('Winter.\nMagic costs blood.\n');
    const roomy = { budget: 200, entries: [lighthouse, rule] };
    const lit = storyForServer(request('She walked to the lighthouse.', { lorebook: roomy }), quiet.loreState, 1);
    expect(lit.pinned).toBe('Magic costs blood.\nThe lighthouse has stood dark since 1871.\n');
    // The key slid out of its 40-character scan depth but is within the release depth (200 more): it stays on.
    const kept = storyForServer(request('She walked to the lighthouse. The night was long.', { lorebook: roomy }), lit.loreState, 1);
    expect(kept.pinned).toContain('1871');
    const gone = storyForServer(request(`She walked to the lighthouse.${' Rain.'.repeat(50)}`, { lorebook: roomy }), kept.loreState, 1);
    expect(gone.pinned).not.toContain('1871');
  });

  it("puts the author's note the chosen number of paragraphs back, wrapped, and leaves an empty page alone", () => {
    const note = { ...DEFAULT_NOTE, text: 'Tone: dread', depth: 2 };
    const story = storyForServer(request('One.\nTwo.\nThree', { note }), NO_LORE_STATE, 4);
    expect(story.text).toBe('One.\n[ Tone: dread ]\nTwo.\nThree');
    expect(storyForServer(request('', { note }), NO_LORE_STATE, 4).text).toBe('');
    const tokensBack = storyForServer(request('abcdefghij', { note: { ...note, unit: 'tokens', depth: 2 } }), NO_LORE_STATE, 2);
    expect(tokensBack.text).toBe('abcdef\n[ Tone: dread ]\nghij');
  });
});

describe('the event-stream reader', () => {
  it("reads each event's data, however the bytes are split, with LF, CRLF or CR line ends", async () => {
    expect(await collect(['data: {"a":1}\n\n', 'data: [DONE]\n\n'])).toEqual(['{"a":1}', '[DONE]']);
    expect(await collect(['da', 'ta: one\r', '\n\r\ndata:two\r\r'])).toEqual(['one', 'two']);
    expect(await collect([': comment\nevent: x\nid: 3\ndata: first\ndata: second\n\n'])).toEqual(['first\nsecond']);
    expect(await collect(['data: ümlaut'.slice(0, 8), 'data: ümlaut'.slice(8), '\n\n'])).toEqual(['ümlaut']);
    expect(await collect(['data: last without a blank line'])).toEqual(['last without a blank line']);
  });

  it('refuses a line without end instead of buffering it', async () => {
    await expect(collect(['data: ', 'x'.repeat(1 << 20), 'y'])).rejects.toThrow(/line of more than/);
  });
});

describe('what is sent', () => {
  it('names the API at /v1 when only the server is given', () => {
    expect(apiBase('http://gpu-box:8080')).toBe('http://gpu-box:8080/v1');
    expect(apiBase('http://gpu-box:8080/')).toBe('http://gpu-box:8080/v1');
    expect(apiBase('https://lab.example/openai/v1/')).toBe('https://lab.example/openai/v1');
  });

  it('maps the sampler onto OpenAI’s parameters, leaving out what is at its neutral value', () => {
    const request = {
      context: 'x',
      maxTokens: 30,
      candidates: 2,
      sampler: { ...DEFAULT_SAMPLER, seed: 4 },
      stopStrings: ['\n', 'a', 'b', 'c', 'd'],
    };
    expect(completionBody(request, 'the prompt', 'gpt2')).toEqual({
      model: 'gpt2',
      prompt: 'the prompt',
      max_tokens: 30,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.8,
      top_p: 0.95,
      top_k: 40,
      repetition_penalty: 1.1,
      seed: 4,
      stop: ['\n', 'a', 'b', 'c'],
    });
    const greedy = completionBody(
      { ...request, sampler: { ...DEFAULT_SAMPLER, greedy: true, repetitionPenalty: 1 }, topAlternatives: 9 },
      'p',
      null,
    );
    expect(greedy).toMatchObject({ temperature: 0, logprobs: 5 });
    expect(greedy).not.toHaveProperty('top_k');
    expect(greedy).not.toHaveProperty('model');
  });

  it("reads an error's words wherever the server put them, on one bounded line", () => {
    expect(errorWords('{"error":{"message":"bad n","type":"invalid_request_error"}}')).toBe('bad n');
    expect(errorWords('{"object":"error","message":"too long","code":400}')).toBe('too long');
    expect(errorWords('{"error":"Model is overloaded"}')).toBe('Model is overloaded');
    expect(errorWords('<html>\n<body>502 Bad Gateway</body>\n</html>')).toBe('<html> <body>502 Bad Gateway</body> </html>');
    expect(errorWords('x'.repeat(1000))).toHaveLength(301);
  });
});
