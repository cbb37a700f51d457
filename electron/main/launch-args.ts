import { resolve } from 'node:path';

/**
 * `kaituhi` desktop flags. Electron and Chromium put their own switches in argv, so unknown flags are
 * ignored rather than fatal; only ours are read.
 */
export function parseLaunchArgs(argv: readonly string[], cwd: string): { modelDir: string | null; spellcheck: boolean } {
  let modelDir: string | null = null;
  let spellcheck = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--model' && argv[i + 1] !== undefined) modelDir = resolve(cwd, argv[++i]!);
    else if (arg.startsWith('--model=')) modelDir = resolve(cwd, arg.slice('--model='.length));
    // The opt-in to Electron's dictionary download on Linux and Windows (see spellcheck-policy.ts).
    else if (arg === '--spellcheck') spellcheck = true;
  }
  return { modelDir, spellcheck };
}
