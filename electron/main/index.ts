/**
 * The Electron edge, kept thin: it wires Electron's objects to plain modules that are tested without
 * Electron (window options, URL and sender policies, the app:// handler, the services).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type IpcMainEvent, type WebContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CHANNEL, type ServerMessage, type SettingsState } from '../shared/api.js';
import { parseClientMessage } from '../shared/validators.js';
import { ApiSession } from '../services/api-session.js';
import { AppServices } from '../services/app-services.js';
import { APP_NAME, defaultUserDataDir, settingsFileIn } from '../services/user-data.js';
import { APP_SCHEME_PRIVILEGES, serveAppRequest } from './app-protocol.js';
import { startUtilityEngineHost } from './engine-process.js';
import { chooseLibraryFolder, printHtmlToPdf, saveExportWithDialog } from './drafts-edge.js';
import { draftMenuItems, draftsFolderFailure, mainWords, menuTemplate, type MainWords } from './menu.js';
import { parseLaunchArgs } from './launch-args.js';
import { spellcheckPolicy } from './spellcheck-policy.js';
import { isPermissionGranted } from './permission-policy.js';
import { isTrustedSender } from './sender-policy.js';
import { APP_ENTRY_URL, APP_SCHEME, externalUrl, mayNavigate } from './url-policy.js';
import { mainWindowOptions } from './window-options.js';

// Built layout (scripts/build-app.ts): dist/electron/main/index.js, …/engine-host-entry.js,
// dist/electron/preload/index.cjs, dist/renderer/.
const here = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = join(here, '..', 'preload', 'index.cjs');
const ENGINE_ENTRY = join(here, 'engine-host-entry.js');
const RENDERER_DIR = join(here, '..', '..', 'renderer');

app.setName(APP_NAME);
app.setPath('userData', defaultUserDataDir());
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

/** The menus' and dialogs' words, in the language the writer chose in Settings or the system's. */
const words = (): MainWords => mainWords(services.settings.state.settings.language, app.getPreferredSystemLanguages());

const launch = parseLaunchArgs(process.argv.slice(1), process.cwd());
const spellcheck = spellcheckPolicy(process.platform, launch.spellcheck);

const services = new AppServices({
  drafts: { printHtmlToPdf, saveExport: (name, format, bytes) => saveExportWithDialog(words, name, format, bytes) },
  mode: 'electron',
  version: app.getVersion(),
  settingsFile: settingsFileIn(app.getPath('userData')),
  modelDirOverride: launch.modelDir,
  startEngineHost: (options) => startUtilityEngineHost(ENGINE_ENTRY, options),
  openExternal: async (url) => {
    const safe = externalUrl(url);
    if (!safe) throw new Error('Only https: links open outside Kaituhi.');
    await shell.openExternal(safe);
  },
  chooseFolder: async () => {
    const parent = BrowserWindow.getFocusedWindow();
    const options = { title: words().chooseModelFolder, properties: ['openDirectory' as const] };
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  },
});

const sessions = new Map<number, ApiSession>();
const appWindows = new Set<WebContents>();

function sessionFor(contents: WebContents): ApiSession {
  let apiSession = sessions.get(contents.id);
  if (!apiSession) {
    apiSession = new ApiSession(services, (message: ServerMessage) => {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
    });
    sessions.set(contents.id, apiSession);
    contents.once('destroyed', () => {
      sessions.get(contents.id)?.dispose();
      sessions.delete(contents.id);
      appWindows.delete(contents);
    });
  }
  return apiSession;
}

function onRendererMessage(event: IpcMainEvent, raw: unknown): void {
  const frame = event.senderFrame;
  const trusted = isTrustedSender({
    url: frame?.url ?? null,
    isTopFrameOfAppWindow: frame !== null && frame === event.sender.mainFrame && appWindows.has(event.sender),
  });
  if (!trusted) return;
  const parsed = parseClientMessage(raw);
  if (!parsed.ok) {
    console.warn(`kaituhi: dropped a malformed message from the renderer: ${parsed.error}`);
    return;
  }
  sessionFor(event.sender).handle(parsed.value);
}

function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    const safe = externalUrl(url);
    if (safe) void shell.openExternal(safe);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!mayNavigate(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

async function createWindow(): Promise<void> {
  const window = new BrowserWindow(mainWindowOptions(PRELOAD, services.settings.state.settings.theme, spellcheck));
  appWindows.add(window.webContents);
  window.once('ready-to-show', () => window.show());
  await window.loadURL(APP_ENTRY_URL);
}

function installMenu(): void {
  const current = words();
  const send = (message: ServerMessage): void => {
    for (const contents of appWindows) if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message);
  };
  const chooseLibrary = (): void => {
    void chooseLibraryFolder(current)
      .then((folder) => (folder ? services.drafts.relocate(folder) : null))
      .catch((error: unknown) => dialog.showErrorBox(current.draftsFolder, draftsFolderFailure(current, error)));
  };
  const actions = {
    draftItems: draftMenuItems(current, send, chooseLibrary),
    // Not `engine.engine`: that is null once the engine was given up on, which is when Restart engine is wanted.
    restartEngine: () => {
      if (services.engine.canRestart) services.engine.restart();
    },
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(current, actions, process.platform === 'darwin')));
}

// One instance: two would share the settings file and the drafts journal. A second launch focuses the first.
const isFirstInstance = app.requestSingleInstanceLock();
if (!isFirstInstance) app.quit();
app.on('second-instance', () => {
  const window = BrowserWindow.getAllWindows()[0];
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.focus();
});

app.on('web-contents-created', (_event, contents) => lockDown(contents));

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Quit waits for the drafts to be saved (what cannot be saved stays in the journal), then really quits.
let servicesShutDown = false;
app.on('before-quit', (event) => {
  if (servicesShutDown) return;
  event.preventDefault();
  servicesShutDown = true;
  void services.shutdown().finally(() => app.quit());
});

void app.whenReady().then(async () => {
  if (!isFirstInstance) return;
  // The window option alone leaves the session's checker to other windows; off means off everywhere.
  session.defaultSession.setSpellCheckerEnabled(spellcheck.enabled);
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionGranted(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionGranted(permission, requestingOrigin),
  );
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(RENDERER_DIR, request.url));
  ipcMain.on(IPC_CHANNEL, onRendererMessage);
  // The window opens at once; the model loads behind it and the status bar says when it is ready.
  await services.bootWithoutModel();
  installMenu();
  // The menus follow a language chosen in Settings at once.
  let menuLanguage = services.settings.state.settings.language;
  services.onSettings((state: SettingsState) => {
    if (state.settings.language === menuLanguage) return;
    menuLanguage = state.settings.language;
    installMenu();
  });
  void services.startEngine();
  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});
