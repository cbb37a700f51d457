/**
 * `npm start`: build the app, make sure Electron's binary is there, launch it. Arguments after `--` go
 * to the app (e.g. `npm start -- --model ~/models/gpt2`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildApp } from './build-app.js';
import { REPO_ROOT } from './build-renderer.js';
import { requireDesktopNode } from './desktop-node.js';

const require = createRequire(import.meta.url);
const electronPackage = join(REPO_ROOT, 'node_modules', 'electron');

/** The binary may be missing when npm was told to skip it (ELECTRON_SKIP_BINARY_DOWNLOAD); fetch it now. */
function ensureElectronBinary(): string {
  const pathFile = join(electronPackage, 'path.txt');
  const installed = existsSync(pathFile) && existsSync(join(electronPackage, 'dist', readFileSync(pathFile, 'utf8').trim()));
  if (!installed) {
    console.log('Downloading the Electron binary (once)…');
    const env = { ...process.env };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    const result = spawnSync(process.execPath, [join(electronPackage, 'install.js')], { stdio: 'inherit', env });
    if (result.status !== 0) throw new Error('Could not download Electron. Check your network, or set ELECTRON_MIRROR.');
  }
  // In plain Node, the electron package's main export is the path of the binary.
  return require('electron') as string;
}

requireDesktopNode('npm start');
await buildApp();
const electron = ensureElectronBinary();
const child = spawn(electron, [REPO_ROOT, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
