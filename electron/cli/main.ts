#!/usr/bin/env node
/**
 * `kaituhi <command>`: each command lives in its own module under commands/. Conventions: `--help` prints to
 * stdout and exits 0; `--version` prints the version; a wrong call (unknown command or option, a missing
 * value) prints to stderr and exits 2; a failure while working prints to stderr and exits 1.
 */
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../common/error-message.js';
import { packageVersion, UsageError, type Command } from './command.js';

const commands: Record<string, () => Promise<Command>> = {
  generate: async () => (await import('./commands/generate.js')).generateCommand,
  'make-test-model': async () => (await import('./commands/make-test-model.js')).makeTestModelCommand,
  score: async () => (await import('./commands/score.js')).scoreCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
};

const HELP_FLAGS = ['--help', '-h'];

async function overview(): Promise<string> {
  const lines = await Promise.all(Object.entries(commands).map(async ([name, load]) => `  ${name.padEnd(16)} ${(await load()).summary}`));
  return [
    'usage: kaituhi <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'options:',
    '  --help, -h       this help; `kaituhi <command> --help` for a command’s options',
    '  --version        the version of Kaituhi',
    '',
  ].join('\n');
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = { out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text) };

/** Runs one command line; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(`kaituhi: which command?\n\n${await overview()}`);
    return 2;
  }
  if (HELP_FLAGS.includes(name)) {
    io.out(await overview());
    return 0;
  }
  if (name === '--version') {
    io.out(`${packageVersion()}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    io.err(`kaituhi: unknown command "${name}"\n\n${await overview()}`);
    return 2;
  }
  const command = await load();
  if (rest.some((arg) => HELP_FLAGS.includes(arg))) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`kaituhi ${name}: ${error.message}\nSee \`kaituhi ${name} --help\`.\n`);
      return 2;
    }
    io.err(`kaituhi: ${errorMessage(error)}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`kaituhi: ${errorMessage(error)}\n`);
      process.exit(1);
    },
  );
}
