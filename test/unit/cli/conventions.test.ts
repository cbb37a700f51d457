/** `kaituhi` behaves like a command line should: help and version to stdout with 0, a wrong call to stderr with 2. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKaituhi } from '../../support/kaituhi-bin.js';
import { main } from '../../../electron/cli/main.js';

const COMMANDS = ['generate', 'make-test-model', 'score', 'serve'];

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

describe('kaituhi conventions', () => {
  it('--help and -h list every command on stdout and exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, out, err } = await cli(flag);
      expect(code).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(/^usage: kaituhi <command> \[options\]/);
      for (const command of COMMANDS) expect(out).toContain(`  ${command} `);
      expect(out).toContain('--version');
    }
  });

  it('<command> --help prints that command’s usage and options on stdout and exits 0, running nothing', async () => {
    for (const command of COMMANDS) {
      const { code, out, err } = await cli(command, '--help');
      expect(code, command).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(new RegExp(`^usage: kaituhi ${command}`));
      expect(out).toMatch(/--help, -h/);
    }
    // Even beside options that would fail: help wins, and nothing is served or generated.
    expect((await cli('serve', '--port', 'nope', '-h')).code).toBe(0);
  });

  it('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(await cli('--version')).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  it('an unknown command, a missing command, an unknown option or a missing value: stderr and exit 2', async () => {
    const unknown = await cli('generat');
    expect(unknown).toMatchObject({ code: 2, out: '' });
    expect(unknown.err).toMatch(/unknown command "generat"[\s\S]*usage: kaituhi/);
    expect(await cli()).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/which command\?/) });
    const option = await cli('make-test-model', '--bogus', 'x');
    expect(option).toMatchObject({ code: 2, out: '' });
    expect(option.err).toMatch(/kaituhi make-test-model: .*--bogus[\s\S]*See `kaituhi make-test-model --help`/);
    expect(await cli('generate', '--prompt', 'x')).toMatchObject({ code: 2, err: expect.stringMatching(/--model DIR is required/) });
    expect(await cli('serve', '--port', '70000')).toMatchObject({ code: 2, err: expect.stringMatching(/--port must be/) });
  });

  it('steering flags and score: a value out of bounds or malformed is a usage error that names the flag', async () => {
    const generate = (...args: string[]) => cli('generate', '--model', 'm', '--prompt', 'x', ...args);
    expect(await generate('--logprobs', '21')).toMatchObject({ code: 2, err: expect.stringMatching(/--logprobs: .*20/) });
    expect(await generate('--logprobs', 'many')).toMatchObject({ code: 2, err: expect.stringMatching(/--logprobs must be an integer/) });
    expect(await generate('--ban-regex', 'a(b')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--ban-regex: .*not a valid regular expression/),
    });
    expect(await generate('--ban', 'x'.repeat(101))).toMatchObject({ code: 2, err: expect.stringMatching(/--ban: /) });
    expect(await generate('--bias', 'harbour')).toMatchObject({ code: 2, err: expect.stringMatching(/--bias takes "PHRASE=STRENGTH"/) });
    expect(await generate('--bias', 'harbour=500')).toMatchObject({ code: 2, err: expect.stringMatching(/--bias: /) });
    expect(await generate('--dry-base', '0.5')).toMatchObject({ code: 2, err: expect.stringMatching(/--dry-base: /) });
    expect(await generate('--preset', 'wild')).toMatchObject({ code: 2, err: expect.stringMatching(/--preset must be one of balanced, /) });
    expect(await cli('score', '--model', 'm')).toMatchObject({ code: 2, err: expect.stringMatching(/--text TEXT or --file FILE/) });
    expect(await cli('score', '--model', 'm', '--text', 'a', '--file', 'b')).toMatchObject({ code: 2 });
    expect(await cli('score', '--model', 'm', '--text', 'x'.repeat(100_001))).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--text: .*score it in parts/),
    });
    expect(await cli('score', '--model', 'm', '--file', path.join('no', 'such', 'file.txt'))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/cannot read .*file\.txt/),
    });
  });

  it('a failure while working is not a usage error: stderr and exit 1', async () => {
    expect(await cli('generate', '--model', path.join('no', 'such', 'folder'), '--prompt', 'x')).toMatchObject({
      code: 1,
      err: expect.stringMatching(/folder not found/),
    });
  });

  it('the installed bin keeps the streams and exit codes', async () => {
    const help = await runKaituhi(['--help']);
    expect(help.stdout).toMatch(/^usage: kaituhi/);
    expect(help.stderr).toBe('');
    await expect(runKaituhi(['nonsense'])).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/unknown command "nonsense"/),
    });
  });
});
