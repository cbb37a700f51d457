/**
 * Whether the editor's built-in spellchecker is on. Kaituhi promises to work offline, and the README says
 * every network use it makes. On macOS Electron uses the system's own spellchecker and downloads nothing.
 * On Linux (and Windows, where Electron's documentation says the same) it fetches Hunspell dictionaries
 * for the system language from Google's CDN the first time, so there it stays off unless the writer
 * starts Kaituhi with `--spellcheck`, which the README describes along with that download.
 */
export interface SpellcheckPolicy {
  readonly enabled: boolean;
  /** Electron will fetch dictionaries from its default CDN when enabled (never on macOS). */
  readonly downloadsDictionaries: boolean;
}

export function spellcheckPolicy(platform: NodeJS.Platform, optedIn: boolean): SpellcheckPolicy {
  if (platform === 'darwin') return { enabled: true, downloadsDictionaries: false };
  return { enabled: optedIn, downloadsDictionaries: optedIn };
}
