/**
 * A real server-mode stack for the server tests: real services (settings, drafts library, model store)
 * in a temporary folder, a minimal built renderer, real HTTP and WebSocket on 127.0.0.1.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppServices, type AppServicesOptions } from '../../../electron/services/app-services.js';
import { startServer, type RunningServer, type ServerOptions } from '../../../electron/server/server.js';

export interface TestServer {
  readonly home: string;
  readonly server: RunningServer;
  readonly services: AppServices;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { services?: Partial<AppServicesOptions>; server?: Partial<Omit<ServerOptions, 'services' | 'rendererDir'>> } = {},
): Promise<TestServer> {
  const home = await mkdtemp(join(tmpdir(), 'kaituhi-server-'));
  const renderer = join(home, 'renderer');
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Kaituhi</title>');
  await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(home, 'secret.txt'), 'do not serve');
  const services = new AppServices({
    mode: 'server',
    version: 'test',
    settingsFile: join(home, 'settings.json'),
    startEngineHost: () => Promise.reject(new Error('no engine in this test')),
    ...options.services,
  });
  await services.boot();
  const server = await startServer({ services, rendererDir: renderer, port: 0, ...options.server });
  return {
    home,
    server,
    services,
    close: async () => {
      await server.close();
      await services.shutdown();
      await rm(home, { recursive: true, force: true });
    },
  };
}
