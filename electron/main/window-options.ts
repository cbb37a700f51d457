import type { BrowserWindowConstructorOptions } from 'electron';
import type { SpellcheckPolicy } from './spellcheck-policy.js';

/**
 * Every window's options, in one place so a test can assert Electron's security checklist:
 * isolation, sandbox, no Node in the page, no webviews, no insecure content.
 */
export function mainWindowOptions(
  preloadPath: string,
  theme: 'light' | 'dark',
  spellcheck: SpellcheckPolicy,
): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 820,
    minWidth: 640,
    minHeight: 420,
    title: 'Kaituhi',
    show: false,
    backgroundColor: theme === 'dark' ? '#1e1d1b' : '#fbf8f3',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: spellcheck.enabled,
    },
  };
}
