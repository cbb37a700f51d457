/**
 * Builds the renderer (React + Monaco, workers included) into dist/renderer with Vite. Used by `npm start`,
 * `npm run build:renderer`, the end-to-end tests' setup and `kaituhi serve` alike.
 */
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig } from 'vite';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_SOURCE = fileURLToPath(new URL('../renderer', import.meta.url));
export const RENDERER_OUT = fileURLToPath(new URL('../dist/renderer', import.meta.url));

export function rendererViteConfig(outDir = RENDERER_OUT): InlineConfig {
  return {
    root: RENDERER_SOURCE,
    // Relative URLs: the same files load from app://kaituhi/ under Electron and http://127.0.0.1 in server mode.
    base: './',
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      chunkSizeWarningLimit: 6000,
      // No inline data: fonts or images slipping past the CSP's expectations; Monaco's codicon font is a file.
      assetsInlineLimit: 0,
      // Vite injects a modulepreload polyfill as inline script otherwise, which the CSP forbids.
      modulePreload: { polyfill: false },
    },
    worker: { format: 'es' },
  };
}

export async function buildRenderer(outDir = RENDERER_OUT): Promise<string> {
  await build(rendererViteConfig(outDir));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildRenderer();
  console.log(`renderer built into ${RENDERER_OUT} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
