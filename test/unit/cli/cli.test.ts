/** The command line, run as a user would: `kaituhi make-test-model` then `kaituhi generate`. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKaituhi } from '../../support/kaituhi-bin.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface GenerateJson {
  model: { device: string; format: string };
  promptIds: number[];
  tokens: { candidate: number; id: number; logprob: number; text: string }[];
  texts: string[];
  stats: { prefillMs: number; decodeMs: number; tokensPerSecond: number };
}

describe('kaituhi command line', () => {
  it('makes a deterministic test model', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await runKaituhi(['make-test-model', '--shape', 'tiny', '--seed', '9', '--out', a]);
    await runKaituhi(['make-test-model', '--shape', 'tiny', '--seed', '9', '--out', b]);
    const [wa, wb] = await Promise.all([readFile(path.join(a, 'model.safetensors')), readFile(path.join(b, 'model.safetensors'))]);
    expect(wa.equals(wb)).toBe(true);
    const config = JSON.parse(await readFile(path.join(a, 'config.json'), 'utf8')) as {
      n_layer: number;
      n_embd: number;
      vocab_size: number;
    };
    expect(config).toMatchObject({ n_layer: 2, n_embd: 64, vocab_size: 50257 });
  });

  it('generates greedily with --json: prompt ids, token ids with logprobs, device, timings', async () => {
    const model = path.join(dir, 'a');
    const args = [
      'generate',
      '--model',
      model,
      '--prompt',
      'It was a dark and stormy night',
      '--max-tokens',
      '8',
      '--greedy',
      '--json',
      '--device',
      'cpu',
    ];
    const first = JSON.parse((await runKaituhi(args)).stdout) as GenerateJson;
    expect(first.promptIds).toEqual([1026, 373, 257, 3223, 290, 6388, 88, 1755]);
    expect(first.tokens).toHaveLength(8);
    for (const t of first.tokens) expect(t.logprob).toBeLessThanOrEqual(0);
    expect(first.model.device).toBe('cpu');
    expect(first.stats.tokensPerSecond).toBeGreaterThan(0);
    const second = JSON.parse((await runKaituhi(args)).stdout) as GenerateJson;
    expect(second.tokens.map((t) => t.id)).toEqual(first.tokens.map((t) => t.id));
  });

  it('streams plain text, and several candidates', async () => {
    const model = path.join(dir, 'a');
    const { stdout } = await runKaituhi([
      'generate',
      '--model',
      model,
      '--prompt',
      'Once',
      '--max-tokens',
      '5',
      '--seed',
      '3',
      '--candidates',
      '2',
    ]);
    expect(stdout).toMatch(/--- candidate 1\n[\s\S]*--- candidate 2\n/);
  });

  it('--after ranks the candidates by their joining score, best first', async () => {
    const model = path.join(dir, 'a');
    const { stdout } = await runKaituhi([
      'generate',
      '--model',
      model,
      '--prompt',
      'The keeper climbed the stairs',
      '--after',
      ' and lit the lamp before the storm came in.',
      '--candidates',
      '3',
      '--max-tokens',
      '6',
      '--seed',
      '5',
      '--json',
      '--device',
      'cpu',
    ]);
    const out = JSON.parse(stdout) as { candidates: { candidate: number; text: string; joiningScore: number }[]; texts: string[] };
    expect(out.candidates).toHaveLength(3);
    const scores = out.candidates.map((c) => c.joiningScore);
    for (const score of scores) expect(score).toBeLessThan(0);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const c of out.candidates) expect(c.text).toBe(out.texts[c.candidate]);
  });

  it('--logprobs N --json gives every token its N likeliest alternatives; --ban keeps a phrase out', async () => {
    const model = path.join(dir, 'a');
    const base = [
      'generate',
      '--model',
      model,
      '--prompt',
      'It was a dark and stormy night',
      '--max-tokens',
      '12',
      '--greedy',
      '--device',
      'cpu',
    ];
    const first = JSON.parse((await runKaituhi([...base, '--logprobs', '4', '--json'])).stdout) as GenerateJson & {
      tokens: { id: number; alternatives: { logprob: number; top: { tokenId: number; text: string; logprob: number }[] } }[];
    };
    for (const t of first.tokens) {
      expect(t.alternatives.top).toHaveLength(4);
      const logprobs = t.alternatives.top.map((a) => a.logprob);
      expect(logprobs).toEqual([...logprobs].sort((a, b) => b - a));
      // Greedy writes the likeliest token.
      expect(t.alternatives.top[0]!.tokenId).toBe(t.id);
      expect(t.alternatives.logprob).toBe(logprobs[0]);
    }
    const text = first.texts[0]!;
    const word = text.trim().split(/\s+/)[1]!;
    const { stdout } = await runKaituhi([...base, '--ban', word]);
    expect(stdout.toLowerCase()).not.toMatch(new RegExp(`\\b${word.toLowerCase().replace(/[^\p{L}]/gu, '')}\\b`, 'u'));
  });

  it('score prints every token with its logprob and rank, and the perplexity', async () => {
    const model = path.join(dir, 'a');
    const text = 'The keeper climbed the stairs and lit the lamp.';
    const out = JSON.parse(
      (await runKaituhi(['score', '--model', model, '--text', text, '--context', 'At dusk', '--json', '--device', 'cpu'])).stdout,
    ) as { tokens: { tokenId: number; text: string; logprob: number; rank: number }[]; perplexity: number };
    expect(out.tokens.map((t) => t.text).join('')).toBe(text);
    for (const t of out.tokens) {
      expect(t.logprob).toBeLessThan(0);
      expect(t.rank).toBeGreaterThanOrEqual(1);
    }
    const mean = out.tokens.reduce((sum, t) => sum + t.logprob, 0) / out.tokens.length;
    expect(out.perplexity).toBeCloseTo(Math.exp(-mean), 6);
    const file = path.join(dir, 'text.txt');
    await writeFile(file, text);
    const plain = (await runKaituhi(['score', '--model', model, '--file', file, '--device', 'cpu'])).stdout;
    expect(plain).toMatch(new RegExp(`perplexity \\d+\\.\\d{3} over ${out.tokens.length} tokens\\n$`));
  });

  it('explains bad arguments and bad models', async () => {
    await expect(runKaituhi(['generate', '--prompt', 'x'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--model DIR is required/),
    });
    await expect(runKaituhi(['generate', '--model', path.join(dir, 'missing'), '--prompt', 'x'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/missing: folder not found/),
    });
    await expect(runKaituhi(['make-test-model', '--shape', 'huge', '--out', dir])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--shape must be one of/),
    });
  });
});
