#!/usr/bin/env node
/** `kaituhi <command>`: each command lives in its own module under commands/. */
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../common/error-message.js';

type Command = { summary: string; run(argv: string[]): Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  generate: async () => (await import('./commands/generate.js')).generateCommand,
  'make-test-model': async () => (await import('./commands/make-test-model.js')).makeTestModelCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    const lines = await Promise.all(Object.entries(commands).map(async ([n, l]) => `  ${n.padEnd(16)} ${(await l()).summary}`));
    process.stderr.write(`usage: kaituhi <command> [options]\n\n${lines.join('\n')}\n`);
    return name ? 2 : 0;
  }
  return (await load()).run(rest);
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
