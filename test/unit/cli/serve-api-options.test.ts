/** `kaituhi serve --api-key / --cors-origin`: what the completions API's door is given, checked at the command line. */
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../electron/cli/commands/serve.js';
import { UsageError } from '../../../electron/cli/command.js';

const KEY = 'k3y-for-the-completions-api';

describe('kaituhi serve: the completions API options', () => {
  it('takes the key from --api-key, else from KAITUHI_API_KEY, else none', () => {
    expect(parseServeArgs(['--api-key', KEY], {}).apiKey).toBe(KEY);
    expect(parseServeArgs([], { KAITUHI_API_KEY: KEY }).apiKey).toBe(KEY);
    expect(parseServeArgs(['--api-key', `${KEY}-flag`], { KAITUHI_API_KEY: KEY }).apiKey).toBe(`${KEY}-flag`);
    expect(parseServeArgs([], {}).apiKey).toBeNull();
    expect(parseServeArgs([], { KAITUHI_API_KEY: '' }).apiKey).toBeNull();
  });

  it('refuses a guessable or unprintable key without repeating it', () => {
    for (const key of ['short-key', 'has a space in the middle of it', `${KEY}\n`, 'x'.repeat(513)]) {
      let thrown: unknown;
      try {
        parseServeArgs(['--api-key', key], {});
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(key)).toBeInstanceOf(UsageError);
      expect((thrown as Error).message).toMatch(/16 to 512 printable characters/);
      expect((thrown as Error).message).not.toContain(key.trim());
    }
  });

  it('takes each --cors-origin as an origin, lower-cased, and refuses anything else', () => {
    expect(parseServeArgs(['--cors-origin', 'http://localhost:5173', '--cors-origin', 'HTTPS://Mikupad.example/'], {}).corsOrigins).toEqual(
      ['http://localhost:5173', 'https://mikupad.example'],
    );
    expect(parseServeArgs([], {}).corsOrigins).toEqual([]);
    for (const [origin, reason] of [
      ['*', /not an origin/],
      ['localhost:5173', /only http and https/],
      ['http://localhost:5173/app', /no path/],
      ['http://user:pw@localhost:5173', /credentials/],
      ['file:///tmp/page.html', /only http and https/],
    ] as const) {
      expect(() => parseServeArgs(['--cors-origin', origin], {}), origin).toThrow(reason);
    }
  });
});
