/**
 * The command line as a writer runs it: `node bin/kaituhi.js …` from the repository root, in a process of its own
 * (its exit code and its two streams are part of what the tests check). Rejects on a non-zero exit, with the
 * process's `code`, `stdout` and `stderr` on the error.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KAITUHI_BIN = path.resolve('bin/kaituhi.js');

export function runKaituhi(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [KAITUHI_BIN, ...args]);
}
