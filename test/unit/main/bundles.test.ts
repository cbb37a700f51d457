/**
 * What Electron would load, checked without Electron: the bundled engine entry serves the engine over a
 * utilityProcess-style parentPort, the preload needs nothing but 'electron', and app:// serves the renderer
 * with the CSP and nothing outside it.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectronBundles } from '../../../scripts/build-app.js';
import { serveAppRequest } from '../../../electron/main/app-protocol.js';
import { FIXTURES_DIR, testModel } from '../../support/fixtures.js';

let out: string;
beforeAll(async () => {
  // Inside the checkout (git-ignored), so the bundle's external packages resolve from node_modules as in the app.
  await mkdir(FIXTURES_DIR, { recursive: true });
  out = await mkdtemp(join(FIXTURES_DIR, 'bundles-'));
  await buildElectronBundles(out);
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Plays Electron's part: a parentPort that delivers { data } events, then runs the bundled entry. */
const HARNESS = `
import { EventEmitter } from 'node:events';
const [entry, modelDir] = process.argv.slice(2);
const port = new EventEmitter();
const sampler = { greedy: true, temperature: 1, topK: 0, topP: 1, minP: 0, typicalP: 1, repetitionPenalty: 1, repetitionWindow: 0, noRepeatNgramSize: 0 };
port.postMessage = (message) => {
  process.stdout.write(JSON.stringify(message) + '\\n');
  if (message.type === 'loaded') port.emit('message', { data: { type: 'generate', id: 1, request: { context: 'The sea', maxTokens: 3, candidates: 2, sampler } } });
  if (message.type === 'end' || message.type === 'load-failed' || message.type === 'error') process.exit(0);
};
process.parentPort = port;
await import(entry);
port.emit('message', { data: { type: 'load', options: { modelDir, devices: ['cpu'] } } });
`;

describe('bundled Electron code', () => {
  it('the engine utilityProcess entry loads a model and streams a generation over parentPort', async () => {
    const modelDir = await testModel('tiny-seed1');
    const harness = join(out, 'harness.mjs');
    await writeFile(harness, HARNESS);
    const entry = pathToFileURL(join(out, 'electron/main/engine-host-entry.js')).href;
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [harness, entry, modelDir]);
      let text = '';
      let errors = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.on('exit', (exitCode) => resolve({ code: exitCode, stdout: text, stderr: errors }));
    });
    expect(code, stderr).toBe(0);
    const messages = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; event?: { type: string } });
    expect(messages[0]).toMatchObject({ type: 'loaded', info: { modelName: 'tiny-seed1', device: 'cpu' } });
    expect(messages.filter((m) => m.event?.type === 'done')).toHaveLength(2);
    expect(messages.at(-1)).toEqual({ type: 'end', id: 1 });
  });

  it('the sandboxed preload requires nothing but electron', async () => {
    const preload = await readFile(join(out, 'electron/preload/index.cjs'), 'utf8');
    const required = new Set([...preload.matchAll(/require\((["'])([^"']+)\1\)/g)].map((match) => match[2]));
    expect([...required]).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld');
  });
});

describe('app:// protocol', () => {
  let renderer: string;
  beforeAll(async () => {
    renderer = join(out, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<!doctype html>');
    await writeFile(join(renderer, 'assets', 'editor.worker.js'), 'self.onmessage = () => {}');
    await writeFile(join(out, 'outside.txt'), 'secret');
  });

  it('serves the page and workers with the CSP header', async () => {
    const page = await serveAppRequest(renderer, 'app://kaituhi/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const worker = await serveAppRequest(renderer, 'app://kaituhi/assets/editor.worker.js');
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
  });

  it('serves nothing outside the renderer, and nothing for another host', async () => {
    for (const url of [
      'app://kaituhi/../outside.txt',
      'app://kaituhi/%2e%2e/outside.txt',
      'app://kaituhi/assets/..%2F..%2Foutside.txt',
      'app://other/index.html',
      'app://kaituhi/missing.js',
    ]) {
      expect((await serveAppRequest(renderer, url)).status, url).toBe(404);
    }
  });
});
