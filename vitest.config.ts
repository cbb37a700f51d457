import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Built graphs go to a cache of the checkout's own, not the user's (every engine host the tests start inherits it).
process.env.KAITUHI_CACHE_DIR ??= fileURLToPath(new URL('./test/.fixtures/graph-cache', import.meta.url));

export default defineConfig({
  test: {
    // One test file at a time across all projects: engine, Chromium and timing-sensitive tests (the engine
    // host's responsiveness check) must not compete for the 2 cores of the CI machine.
    maxWorkers: 1,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Engine tests load ONNX sessions that use both cores; running files side by side only slows them.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'dom',
          include: ['test/dom/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
