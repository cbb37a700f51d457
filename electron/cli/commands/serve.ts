import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngineHost } from '../../engine/index.js';
import { AppServices } from '../../services/app-services.js';
import { defaultUserDataDir, settingsFileIn } from '../../services/user-data.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { loadCatalog } from '../../store/index.js';
import { packageVersion, parseCommandArgs, UsageError, type Command } from '../command.js';
import { parseCorsOrigin } from '../../server/access-policy.js';
import { errorMessage } from '../../common/error-message.js';

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
  /** A key the completions API accepts besides the per-launch token (--api-key, else KAITUHI_API_KEY). */
  apiKey?: string | null;
  /** Origins whose pages may call the completions API (--cors-origin, repeatable). */
  corsOrigins?: readonly string[];
}

/** Shorter keys are guessable; the per-launch token is 32 characters. */
const MIN_API_KEY_CHARS = 16;
const MAX_API_KEY_CHARS = 512;

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const { values } = parseCommandArgs(argv, {
    port: { type: 'string', default: '0' },
    model: { type: 'string' },
    settings: { type: 'string' },
    renderer: { type: 'string' },
    models: { type: 'string' },
    catalog: { type: 'string' },
    'import-root': { type: 'string' },
    library: { type: 'string' },
    'api-key': { type: 'string' },
    'cors-origin': { type: 'string', multiple: true },
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
    apiKey: apiKeyOf(values['api-key'] ?? env.KAITUHI_API_KEY),
    corsOrigins: (values['cors-origin'] ?? []).map((origin) => {
      try {
        return parseCorsOrigin(origin);
      } catch (error) {
        throw new UsageError(errorMessage(error));
      }
    }),
  };
}

function apiKeyOf(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (raw.length < MIN_API_KEY_CHARS || raw.length > MAX_API_KEY_CHARS || !/^[\x21-\x7e]+$/.test(raw)) {
    // The key itself is never echoed: it may be a real secret with a typo.
    throw new UsageError(
      `--api-key (or KAITUHI_API_KEY) must be ${MIN_API_KEY_CHARS} to ${MAX_API_KEY_CHARS} printable characters without spaces`,
    );
  }
  return raw;
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
  const server = await startServer({
    services,
    rendererDir: options.rendererDir,
    port: options.port,
    apiKey: options.apiKey ?? null,
    corsOrigins: options.corsOrigins ?? [],
  });
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
    'Also serves an OpenAI-compatible completions API at /v1 (POST /v1/completions, GET /v1/models) for',
    'mikupad, SillyTavern or any OpenAI client: send `Authorization: Bearer <token or --api-key>`.',
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
    '  --api-key KEY            a key the completions API (/v1/) accepts besides the printed token',
    '                           (default: $KAITUHI_API_KEY; 16 to 512 printable characters)',
    '  --cors-origin ORIGIN     a web page origin that may call the completions API, e.g. http://localhost:5173',
    '                           (repeatable; pages from any other origin are refused)',
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
        `OpenAI-compatible completions API: ${handle.server.apiUrl}`,
        `  key: ${options.apiKey ? 'the one from --api-key / KAITUHI_API_KEY, or ' : ''}the token in the URL above (Authorization: Bearer <key>)`,
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
