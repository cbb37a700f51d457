/**
 * `npm start` and `npm run dist` run Electron's own tools (@electron/get, electron-builder's rebuild), which
 * need a newer Node than the rest of the project: their requirement is read from the installed electron
 * package, so it stays true when Electron moves on. npm install, npm test and `kaituhi serve` need only
 * what package.json's engines says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../electron/common/error-message.js';
import { REPO_ROOT } from './build-renderer.js';

function version(text: string): number[] {
  return (text.match(/\d+(\.\d+){0,2}/)?.[0] ?? '0').split('.').map(Number);
}

function atLeast(have: number[], need: number[]): boolean {
  for (let i = 0; i < 3; i++) if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  return true;
}

/** Throws, in words, when this Node is older than the Electron toolchain needs for `task`. */
export function requireDesktopNode(task: string, node = process.versions.node): void {
  const electron = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    engines?: { node?: string };
  };
  const needed = electron.engines?.node;
  if (!needed || atLeast(version(node), version(needed))) return;
  throw new Error(
    `${task} needs Node ${needed.replace(/\s+/g, '')} (Electron's own tools do); this is Node ${node}. ` +
      'npm install, npm test and `kaituhi serve` work on this Node; use a newer one for the desktop app (see README, "Which Node").',
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    requireDesktopNode(process.argv[2] ?? 'This');
  } catch (error) {
    console.error(errorMessage(error));
    process.exit(1);
  }
}
