/**
 * Builds what Electron runs into dist/: the main process and the engine's utilityProcess entry as ESM
 * (npm dependencies stay in node_modules, where electron-builder packs them and onnxruntime's natives
 * are unpacked), the sandboxed preload as one self-contained CommonJS file (a sandboxed preload can
 * require nothing but 'electron'), and the renderer with Vite.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRenderer, REPO_ROOT } from './build-renderer.js';

export const APP_OUT = join(REPO_ROOT, 'dist');

/** Main, engine utilityProcess entry and preload; `outDir` gets electron/main and electron/preload. */
export async function buildElectronBundles(outDir = APP_OUT): Promise<void> {
  const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning' } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: {
        index: join(REPO_ROOT, 'electron/main/index.ts'),
        'engine-host-entry': join(REPO_ROOT, 'electron/main/engine-host-entry.ts'),
      },
      outdir: join(outDir, 'electron/main'),
      format: 'esm',
      packages: 'external',
      external: ['electron'],
      // Bundled ESM still meets CommonJS dependencies that call require().
      banner: {
        js: "import { createRequire as __kaituhiCreateRequire } from 'node:module'; const require = __kaituhiCreateRequire(import.meta.url);",
      },
    }),
    build({
      ...common,
      entryPoints: { index: join(REPO_ROOT, 'electron/preload/index.ts') },
      outdir: join(outDir, 'electron/preload'),
      outExtension: { '.js': '.cjs' },
      minify: true,
      format: 'cjs',
      external: ['electron'],
    }),
  ]);
}

export async function buildApp(): Promise<void> {
  await Promise.all([buildElectronBundles(APP_OUT), buildRenderer(join(APP_OUT, 'renderer'))]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildApp();
  console.log(`app built into ${APP_OUT} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
