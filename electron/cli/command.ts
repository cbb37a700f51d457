/** What a `kaituhi` command is, and how its arguments fail. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../common/error-message.js';

export interface Command {
  /** One line for `kaituhi --help`. */
  readonly summary: string;
  /** The full text for `kaituhi <command> --help`: usage line and options. */
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

/** The command was called wrongly (a missing or unknown option): exit code 2, and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A number option's value (`fallback` when absent); anything else is a UsageError naming the option. */
export function numberOption(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  return value;
}

/** Node's parseArgs, with its refusals turned into UsageErrors that say what was wrong. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

/** The version in package.json: what `kaituhi --version` prints and what `kaituhi serve` reports to the page. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
