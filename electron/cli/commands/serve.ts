import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngineHost } from '../../engine/index.js';
import { AppServices } from '../../services/app-services.js';
import { defaultUserDataDir, settingsFileIn } from '../../services/user-data.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { loadCatalog } from '../../store/index.js';
import { packageVersion, parseCommandArgs, UsageError, type Command } from '../command.js';

export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

export interface ServeOptions {
  port: number;
  modelDir: string | null;
  settingsFile: string;
  rendererDir: string;
  /** The model store's folder; default: models/ next to the settings file. */
  modelsDir?: string | null;
  /** A catalog to use instead of models/catalog.json (a mirror's own, or the tests' local hub). */
  catalogFile?: string | null;
  /** The one folder whose model folders the browser may import (a browser cannot show a folder dialog). */
  importRoot?: string | null;
  /** Drafts library folder for this launch; null: the remembered one, or Drafts/ in the settings' folder. */
  libraryDir?: string | null;
}

export function parseServeArgs(argv: string[]): ServeOptions {
  const { values } = parseCommandArgs(argv, {
    port: { type: 'string', default: '0' },
    model: { type: 'string' },
    settings: { type: 'string' },
    renderer: { type: 'string' },
    models: { type: 'string' },
    catalog: { type: 'string' },
    'import-root': { type: 'string' },
    library: { type: 'string' },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a whole number from 0 to 65535');
  return {
    port,
    modelDir: values.model ? resolve(values.model) : null,
    settingsFile: values.settings ? resolve(values.settings) : settingsFileIn(defaultUserDataDir()),
    rendererDir: values.renderer ? resolve(values.renderer) : DEFAULT_RENDERER_DIR,
    modelsDir: values.models ? resolve(values.models) : null,
    catalogFile: values.catalog ? resolve(values.catalog) : null,
    importRoot: values['import-root'] ? resolve(values['import-root']) : null,
    libraryDir: values.library ? resolve(values.library) : null,
  };
}

export interface ServeHandle {
  readonly server: RunningServer;
  readonly services: AppServices;
  /** Settles once the chosen model has loaded or failed (the engine state says which); the URL works before. */
  readonly modelSettled: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Boots the services and the loopback server, then loads the model (engine host in a child process); used
 * by the CLI and the e2e tests. Listening comes first, so a model that loads slowly or not at all never
 * keeps the writer from the editor and their drafts; the page shows the load's outcome.
 */
export async function serve(options: ServeOptions): Promise<ServeHandle> {
  await access(join(options.rendererDir, 'index.html')).catch(() => {
    throw new Error(`The renderer is not built (${options.rendererDir}). Run \`npm run build:renderer\` first.`);
  });
  const services = new AppServices({
    mode: 'server',
    version: packageVersion(),
    settingsFile: options.settingsFile,
    modelDirOverride: options.modelDir,
    startEngineHost: (loadOptions) => startEngineHost(loadOptions),
    ...(options.modelsDir ? { modelsRoot: options.modelsDir } : {}),
    ...(options.catalogFile ? { catalog: await loadCatalog(options.catalogFile) } : {}),
    importRoot: options.importRoot ?? null,
    drafts: { libraryDirOverride: options.libraryDir ?? null },
  });
  await services.bootWithoutModel();
  const server = await startServer({ services, rendererDir: options.rendererDir, port: options.port });
  const modelSettled = services.startEngine();
  return {
    server,
    services,
    modelSettled,
    stop: async () => {
      await server.close();
      await services.shutdown();
    },
  };
}

export const serveCommand: Command = {
  summary: 'serve the editor to a browser on this machine (127.0.0.1 only)',
  help: [
    'usage: kaituhi serve [options]',
    '',
    'Serves the editor on 127.0.0.1 and prints the URL to open (it carries this launch’s access token).',
    '',
    'options:',
    '  --port N                 the port (default 0: a free one)',
    '  --model DIR              the model folder for this launch, over the one in Settings',
    '  --settings FILE          the settings file (default: settings.json in the app’s user-data folder)',
    '  --library DIR            the drafts library for this launch (default: the remembered one, or Drafts/ beside the settings)',
    '  --models DIR             the model store (default: models/ beside the settings)',
    '  --catalog FILE           a model catalog to use instead of models/catalog.json',
    '  --import-root DIR        the one folder whose model folders the page may import',
    '  --renderer DIR           the built editor (default: dist/renderer; `npm run build:renderer` makes it)',
    '  --help, -h               this help',
    '',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const options = parseServeArgs(argv);
    const handle = await serve(options);
    process.stdout.write(
      [
        `Kaituhi is serving on 127.0.0.1 only. Open this URL (it carries this launch's access token):`,
        ``,
        `  ${handle.server.url}`,
        ``,
        `settings: ${options.settingsFile}`,
        `drafts: ${handle.services.drafts.startup.libraryDir ?? handle.services.drafts.startup.problem ?? ''}`,
        `Press Ctrl+C to stop.`,
        ``,
      ].join('\n'),
    );
    void handle.modelSettled.then(() => {
      const engine = handle.services.engine.state;
      const model = engine.status === 'ready' && engine.info ? `${engine.info.modelName} on ${engine.info.device}` : engine.message;
      process.stdout.write(`model: ${model ?? engine.status}\n`);
    });
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await handle.stop();
    return 0;
  },
};
