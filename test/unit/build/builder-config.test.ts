import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Configuration } from 'electron-builder';

const require = createRequire(import.meta.url);
const config = JSON.parse(await readFile(new URL('../../../build/electron-builder.json', import.meta.url), 'utf8')) as Configuration;

/** electron-builder's own schema check, the one `npm run dist` runs first (not exported from its index). */
async function validate(configuration: Configuration): Promise<void> {
  const builderRequire = createRequire(require.resolve('electron-builder'));
  const { validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js') as {
    validateConfiguration(config: Configuration, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(configuration, new DebugLogger(false));
}

describe('electron-builder config', () => {
  it("passes electron-builder's schema (and the check is real: junk fails)", async () => {
    await expect(validate(config)).resolves.toBeUndefined();
    await expect(validate({ ...config, notAnOption: true } as Configuration)).rejects.toThrow(/unknown property/);
  });

  it('builds AppImage and deb, NSIS, and DMG', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
  });

  it("unpacks onnxruntime-node's native files from the asar", () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/onnxruntime-node/**/*', '**/*.node']));
  });

  it('sets the fuses: RunAsNode off, and the rest that the utilityProcess does not need', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the built app and points at its main', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(config.extraMetadata?.main).toBe(pkg.main);
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**/*', 'dist/renderer/**/*']));
    // Bundled into the renderer already; shipping them again would only add megabytes.
    expect(config.files).toEqual(expect.arrayContaining(['!node_modules/monaco-editor/**/*']));
    expect(pkg.scripts.dist).toContain('electron-builder --config build/electron-builder.json');
  });
});
