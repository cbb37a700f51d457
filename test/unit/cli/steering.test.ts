/**
 * `kaituhi generate`'s steering flags change what is written, not only what they accept: a preset file steers as the
 * same values given as flags, --ban-regex and --bias keep a word out or bring a phrase in, and DRY breaks a loop.
 * The tiny random model, greedy, falls into repeating one word after a few tokens, which these tests lean on.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKaituhi } from '../../support/kaituhi-bin.js';
import { main } from '../../../electron/cli/main.js';
import { DEFAULT_DRY } from '../../../electron/common/generation.js';
import { builtInPreset, presetToFile } from '../../../electron/common/presets.js';
import { testModel } from '../../support/fixtures.js';

const PROMPT = 'It was a dark and stormy night';
let model: string;
let dir: string;
/** The greedy continuation with no steering, and the word it repeats most. */
let greedy: string;
let loopWord: string;

async function generate(...args: string[]): Promise<string> {
  const { stdout } = await runKaituhi(['generate', '--model', model, '--prompt', PROMPT, '--device', 'cpu', '--json', ...args]);
  return (JSON.parse(stdout) as { texts: string[] }).texts[0]!;
}

const greedyWith = (...args: string[]) => generate('--greedy', '--max-tokens', '24', ...args);

/** How many times in a row `word` stands at its first occurrence in `text`. */
function firstRunOf(text: string, word: string): number {
  const words = text.trim().split(/\s+/);
  const start = words.indexOf(word);
  if (start < 0) return 0;
  let end = start;
  while (words[end] === word) end += 1;
  return end - start;
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  // The seed whose greedy text loops on one plain word soon after the prompt.
  model = await testModel('tiny-seed9', { seed: 9 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-steering-'));
  greedy = await greedyWith();
  const counts = new Map<string, number>();
  for (const word of greedy.match(/\p{L}+/gu) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  loopWord = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kaituhi generate: steering that takes effect', () => {
  it('the greedy text these tests steer loops on one word', () => {
    expect(firstRunOf(greedy, loopWord)).toBeGreaterThanOrEqual(10);
  });

  it('--preset FILE starts from the exported preset: the same text as its values given as flags, with the same seed', async () => {
    const sampler = { ...builtInPreset('balanced')!.sampler, temperature: 1.3, topK: 5, topP: 0.8, repetitionPenalty: 1.2 };
    const file = path.join(dir, 'hot.kaituhi-preset.json');
    // As Settings exports it; a seed in the file does not override the command line's.
    const exported = presetToFile({
      name: 'Hot and dry',
      description: '',
      sampler: { ...sampler, dry: { ...DEFAULT_DRY, multiplier: 0.8 } },
    });
    await writeFile(file, JSON.stringify({ ...exported, sampler: { ...exported.sampler, seed: 99 } }));
    const fromFile = await generate('--preset', file, '--seed', '7', '--max-tokens', '12');
    const fromFlags = await generate(
      ...['--temperature', '1.3', '--top-k', '5', '--top-p', '0.8', '--repetition-penalty', '1.2', '--dry-multiplier', '0.8'],
      ...['--seed', '7', '--max-tokens', '12'],
    );
    expect(fromFile).toBe(fromFlags);
    expect(fromFile).not.toBe(await generate('--seed', '7', '--max-tokens', '12'));
  });

  it('--preset FILE that is missing, not JSON or not a preset: stderr names what is wrong, and the exit is not 0', async () => {
    const refused = async (file: string) => {
      let out = '';
      let err = '';
      const io = { out: (text: string) => (out += text), err: (text: string) => (err += text) };
      const code = await main(['generate', '--model', model, '--prompt', PROMPT, '--preset', file], io);
      return { code, out, err };
    };
    expect(await refused(path.join(dir, 'missing.json'))).toMatchObject({
      code: 2,
      out: '',
      err: expect.stringMatching(/--preset must be one of balanced, .*or a preset file; there is no file ".*missing\.json"/),
    });
    const notJson = path.join(dir, 'not-json.json');
    await writeFile(notJson, '{"format": "kaituhi-sampler-preset",');
    expect(await refused(notJson)).toMatchObject({ code: 1, out: '', err: expect.stringMatching(/not-json\.json: .*not JSON/) });
    const tooHot = path.join(dir, 'too-hot.json');
    const balanced = builtInPreset('balanced')!;
    await writeFile(tooHot, JSON.stringify(presetToFile({ ...balanced, sampler: { ...balanced.sampler, temperature: 50 } })));
    expect(await refused(tooHot)).toMatchObject({ code: 1, err: expect.stringMatching(/too-hot\.json: .*sampler\.temperature/) });
    const otherFormat = path.join(dir, 'other.json');
    await writeFile(otherFormat, JSON.stringify({ ...presetToFile(balanced), format: 'someone-elses-preset' }));
    expect(await refused(otherFormat)).toMatchObject({ code: 1, err: expect.stringMatching(/other\.json: .*format/) });
    expect(await refused(dir)).toMatchObject({ code: 1, err: expect.stringMatching(/cannot read the preset file/) });
  });

  it('--ban-regex keeps every match out, and the text before the first one stays as it was', async () => {
    const prefix = loopWord.slice(0, 4);
    const banned = await greedyWith('--ban-regex', `\\b${escaped(prefix)}\\w*`);
    expect(greedy).toMatch(new RegExp(`\\b${escaped(prefix)}`));
    expect(banned).not.toMatch(new RegExp(`\\b${escaped(prefix)}`));
    expect(banned.startsWith(greedy.slice(0, greedy.indexOf(loopWord)))).toBe(true);
  });

  it('--bias: a strong negative bias keeps a word out, a strong positive one brings a phrase in', async () => {
    const discouraged = await greedyWith('--bias', `${loopWord}=-100`);
    expect(discouraged.toLowerCase()).not.toContain(loopWord.toLowerCase());
    expect(greedy.toLowerCase()).not.toContain('lighthouse keeper');
    expect((await greedyWith('--bias', 'lighthouse keeper=30')).toLowerCase()).toContain('lighthouse keeper');
  });

  it('DRY cuts the loop short; its length, base and breakers change where', async () => {
    const loop = firstRunOf(greedy, loopWord);
    const dry = firstRunOf(await greedyWith('--dry-multiplier', '2'), loopWord);
    expect(dry).toBeLessThan(loop / 2);
    // Repeats up to the allowed length go free, so a longer one lets the loop run longer.
    expect(firstRunOf(await greedyWith('--dry-multiplier', '2', '--dry-allowed-length', '6'), loopWord)).toBeGreaterThan(dry);
    // The penalty grows as base^(length - allowed): a steep base stops the loop sooner than a flat one.
    const flat = firstRunOf(await greedyWith('--dry-multiplier', '0.8', '--dry-base', '1.1'), loopWord);
    const steep = firstRunOf(await greedyWith('--dry-multiplier', '0.8', '--dry-base', '4'), loopWord);
    expect(steep).toBeLessThan(flat);
    // A breaker ends every repetition at the looping word, so DRY never sees one: the text is the plain greedy one.
    expect(await greedyWith('--dry-multiplier', '2', '--dry-breaker', ` ${loopWord}`)).toBe(greedy);
  });
});
