/** Which Node runs what: the desktop toolchain's own requirement is read from Electron and said in words. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { requireDesktopNode } from '../../../scripts/desktop-node.js';

describe('the Node the desktop app needs', () => {
  it('npm start and npm run dist refuse an older Node in words, and accept the one Electron names', async () => {
    const electron = JSON.parse(await readFile('node_modules/electron/package.json', 'utf8')) as { engines: { node: string } };
    const needed = electron.engines.node.replace(/[^\d.]/g, '');
    expect(() => requireDesktopNode('npm start', '20.19.0')).toThrow(
      new RegExp(`npm start needs Node >=${needed.replace(/\./g, '\\.')} .*this is Node 20\\.19\\.0.*npm test and \`kaituhi serve\` work`),
    );
    expect(() => requireDesktopNode('npm start', needed)).not.toThrow();
    expect(() => requireDesktopNode('npm start', '24.0.0')).not.toThrow();
  });

  it('package.json engines covers both: Node 20.19 for install, tests and serve, and the desktop toolchain’s Node', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { engines: { node: string } };
    const electron = JSON.parse(await readFile('node_modules/electron/package.json', 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`^20.19.0 || >=${electron.engines.node.replace(/[^\d.]/g, '')}`);
  });
});
