import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Kaituhi';

/**
 * Where settings live: the same folder Electron's `app.getPath('userData')` names for "Kaituhi", so the
 * desktop app and `kaituhi serve` share one settings file.
 */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export function settingsFileIn(userDataDir: string): string {
  return join(userDataDir, 'settings.json');
}
