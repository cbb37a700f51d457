import { describe, expect, it } from 'vitest';
import { mainWindowOptions } from '../../../electron/main/window-options.js';
import { contentSecurityPolicy } from '../../../electron/shared/csp.js';
import { APP_ENTRY_URL, externalUrl, isAppUrl, mayNavigate } from '../../../electron/main/url-policy.js';
import { isTrustedSender } from '../../../electron/main/sender-policy.js';
import { parseLaunchArgs } from '../../../electron/main/launch-args.js';
import { spellcheckPolicy } from '../../../electron/main/spellcheck-policy.js';
import { isPermissionGranted } from '../../../electron/main/permission-policy.js';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('window options (Electron security checklist)', () => {
  const options = mainWindowOptions('/app/preload.cjs', 'light', spellcheckPolicy('linux', false));
  it('isolates and sandboxes the page and gives it no Node', () => {
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      preload: '/app/preload.cjs',
    });
  });
  it('is the same for the dark theme', () => {
    expect(mainWindowOptions('/p', 'dark', spellcheckPolicy('linux', false)).webPreferences).toEqual({
      ...options.webPreferences,
      preload: '/p',
    });
  });
});

describe('content security policy', () => {
  const policy = directives(contentSecurityPolicy());
  it("defaults to 'self' and allows scripts only from the app itself", () => {
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect([...policy.values()].flat()).not.toContain("'unsafe-eval'");
    expect(policy.get('script-src')).not.toContain("'unsafe-inline'");
  });
  it("lets Monaco's same-origin worker load", () => {
    expect(policy.get('worker-src')).toContain("'self'");
  });
  it('shuts everything else', () => {
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
  });
  it('names no remote host (no CDN), except the server-mode socket when asked', () => {
    expect(contentSecurityPolicy()).not.toMatch(/https?:/);
    expect(directives(contentSecurityPolicy({ connectSources: ['ws://127.0.0.1:5000'] })).get('connect-src')).toEqual([
      "'self'",
      'ws://127.0.0.1:5000',
    ]);
  });
});

describe('URL policy', () => {
  it('opens only parsed https: URLs outside the app', () => {
    expect(externalUrl('https://example.com/a?b=c')).toBe('https://example.com/a?b=c');
    for (const bad of [
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,hi',
      'smb://server/share',
      'ms-settings:',
      'https://user:pass@example.com/',
      'https://',
      'not a url',
      `https://example.com/${'a'.repeat(3000)}`,
    ]) {
      expect(externalUrl(bad), bad).toBe(null);
    }
    // What is opened is the parsed form, never the raw string.
    expect(externalUrl(' https://EXAMPLE.com')).toBe('https://example.com/');
  });
  it('recognises the app origin and nothing that imitates it', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://kaituhi/assets/x.js')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('https://kaituhi/index.html')).toBe(false);
    expect(isAppUrl('file:///app/kaituhi/index.html')).toBe(false);
  });
  it('denies every in-window navigation', () => {
    expect(mayNavigate('https://example.com')).toBe(false);
    expect(mayNavigate(APP_ENTRY_URL)).toBe(false);
  });
});

describe('IPC sender check', () => {
  it('trusts only the top frame of an app window showing the app page', () => {
    expect(isTrustedSender({ url: APP_ENTRY_URL, isTopFrameOfAppWindow: true })).toBe(true);
    expect(isTrustedSender({ url: APP_ENTRY_URL, isTopFrameOfAppWindow: false })).toBe(false);
    expect(isTrustedSender({ url: 'https://example.com/', isTopFrameOfAppWindow: true })).toBe(false);
    expect(isTrustedSender({ url: null, isTopFrameOfAppWindow: true })).toBe(false);
  });
});

describe('launch arguments', () => {
  it('reads --model and ignores Chromium switches', () => {
    expect(parseLaunchArgs(['.', '--no-sandbox', '--model', 'models/gpt2'], '/home/w')).toMatchObject({ modelDir: '/home/w/models/gpt2' });
    expect(parseLaunchArgs(['--model=/m'], '/x')).toMatchObject({ modelDir: '/m' });
    expect(parseLaunchArgs(['--model'], '/x')).toMatchObject({ modelDir: null });
  });
  it('reads the spellcheck opt-in', () => {
    expect(parseLaunchArgs(['.'], '/x')).toEqual({ modelDir: null, spellcheck: false });
    expect(parseLaunchArgs(['.', '--spellcheck'], '/x')).toEqual({ modelDir: null, spellcheck: true });
  });
});

describe('spellcheck makes no network use the README does not state (issue 9, finding 15)', () => {
  it('is on where the OS checks spelling itself (macOS: Electron downloads nothing)', () => {
    expect(spellcheckPolicy('darwin', false)).toEqual({ enabled: true, downloadsDictionaries: false });
  });
  it('is off on Linux and Windows, where Electron would download Hunspell dictionaries from Google, unless the writer asks', () => {
    for (const platform of ['linux', 'win32', 'freebsd'] as const) {
      expect(spellcheckPolicy(platform, false), platform).toEqual({ enabled: false, downloadsDictionaries: false });
      expect(spellcheckPolicy(platform, true), platform).toEqual({ enabled: true, downloadsDictionaries: true });
    }
  });
  it('reaches the window: spellcheck follows the policy, the rest of the checklist stays', () => {
    const off = mainWindowOptions('/p', 'light', spellcheckPolicy('linux', false));
    expect(off.webPreferences?.spellcheck).toBe(false);
    const on = mainWindowOptions('/p', 'light', spellcheckPolicy('darwin', false));
    expect(on.webPreferences?.spellcheck).toBe(true);
    expect({ ...off.webPreferences, spellcheck: true }).toEqual(on.webPreferences);
  });
});

describe('permissions', () => {
  it('grants the app page its clipboard and nothing else, and nobody else anything', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', APP_ENTRY_URL)).toBe(true);
    expect(isPermissionGranted('clipboard-read', 'app://kaituhi/')).toBe(true);
    for (const permission of ['media', 'notifications', 'geolocation', 'midiSysex', 'openExternal', 'fullscreen']) {
      expect(isPermissionGranted(permission, APP_ENTRY_URL), permission).toBe(false);
    }
    expect(isPermissionGranted('clipboard-read', 'https://example.com/')).toBe(false);
    expect(isPermissionGranted('clipboard-read', undefined)).toBe(false);
  });
});
