/**
 * `kaituhi serve` listens first and loads the model after (issue 9, finding 4): a model that loads slowly,
 * or not at all, never keeps the writer from the URL, the editor and their drafts. The load's outcome
 * reaches the page as engine state, and the terminal as a later line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../../../electron/cli/commands/serve.js';
import type { AppSnapshot, ServerMessage } from '../../../electron/shared/api.js';
import { defaultSettings } from '../../../electron/common/settings.js';
import { testModel } from '../../support/fixtures.js';

let home: string;
let renderer: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'kaituhi-serve-'));
  renderer = join(home, 'renderer');
  await mkdir(renderer);
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Kaituhi</title>');
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function status(url: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    get(url, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

function snapshotOver(url: string): Promise<AppSnapshot> {
  const page = new URL(url);
  const ws = new WebSocket(`ws://${page.host}/api${page.search}`, { headers: { origin: page.origin } });
  return new Promise((resolveSnapshot, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, call: { method: 'getSnapshot' } })));
    ws.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (message.type === 'result' && message.id === 1 && message.ok) {
        ws.close();
        resolveSnapshot(message.value as AppSnapshot);
      }
    });
    ws.once('error', reject);
  });
}

describe('kaituhi serve', () => {
  it('answers at its URL before the model has loaded, and loads it after', async () => {
    const handle = await serve({
      port: 0,
      modelDir: await testModel('tiny-seed1'),
      settingsFile: join(home, 'first', 'settings.json'),
      rendererDir: renderer,
      libraryDir: join(home, 'first', 'Drafts'),
    });
    try {
      // The model loads in its own process, which has not even answered yet.
      expect(handle.services.engine.state.status).not.toBe('ready');
      expect(await status(handle.server.url)).toBe(200);
      await handle.modelSettled;
      expect(handle.services.engine.state.status).toBe('ready');
    } finally {
      await handle.stop();
    }
  });

  describe('with a saved model folder that cannot load', () => {
    let child: ChildProcess | null = null;

    afterAll(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolveExit) => child?.once('exit', resolveExit));
      }
    });

    it('prints its URL first, then the model error, and the page shows the error', async () => {
      const broken = join(home, 'broken-model');
      await mkdir(broken);
      await writeFile(join(broken, 'config.json'), '{ not json');
      const settingsFile = join(home, 'second', 'settings.json');
      await mkdir(join(home, 'second'));
      await writeFile(settingsFile, JSON.stringify({ ...defaultSettings(), modelDir: broken }));
      const args = ['--import', 'tsx', resolve('electron/cli/main.ts'), 'serve', '--port', '0', '--settings', settingsFile];
      const started = spawn(process.execPath, [...args, '--renderer', renderer, '--library', join(home, 'second', 'Drafts')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let output = '';
      started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => started.once('exit', resolveExit));
      const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
        for (;;) {
          const match = pattern.exec(output);
          if (match) return match;
          if (started.exitCode !== null) throw new Error(`serve exited: ${output}`);
          await new Promise((wake) => setTimeout(wake, 50));
        }
      };

      const url = (await waitFor(/(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\s/))[1]!;
      const modelLine = await waitFor(/^model: .*$/m);
      expect(output.indexOf(url)).toBeLessThan(modelLine.index);
      expect(modelLine[0]).toMatch(/could not be loaded.*no model weights/);

      expect(await status(url)).toBe(200);
      const snapshot = await snapshotOver(url);
      expect(snapshot.engine).toMatchObject({ status: 'failed', modelDir: broken, message: expect.stringMatching(/no model weights/) });

      started.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});
