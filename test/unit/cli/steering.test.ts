/** `kaituhi generate --preset FILE`: a preset file steers as the same values given as flags, and a bad one is refused. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli/main.js';
import { DEFAULT_DRY } from '../../../electron/common/generation.js';
import { builtInPreset, presetToFile } from '../../../electron/common/presets.js';
import { testModel } from '../../support/fixtures.js';

const run = promisify(execFile);
const bin = path.resolve('bin/kaituhi.js');
const PROMPT = 'It was a dark and stormy night';
let model: string;
let dir: string;

async function generate(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [
    bin,
    'generate',
    '--model',
    model,
    '--prompt',
    PROMPT,
    '--device',
    'cpu',
    '--json',
    ...args,
  ]);
  return (JSON.parse(stdout) as { texts: string[] }).texts[0]!;
}

beforeAll(async () => {
  model = await testModel('tiny-seed9', { seed: 9 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-steering-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kaituhi generate --preset FILE', () => {
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
});
