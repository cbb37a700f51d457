/**
 * Where the app's window may go and what it may open. The window shows only our own app:// page; every
 * navigation away from it is refused, and links leave the app only as parsed https: URLs for the
 * system browser (no file:, no javascript:, no custom schemes that launch other programs).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'kaituhi';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export function isAppUrl(url: string): boolean {
  const parsed = tryParse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/** Returns the URL to hand to the system browser, or null if it must not leave the app. */
export function externalUrl(url: string): string | null {
  if (url.length > 2048) return null;
  const parsed = tryParse(url);
  if (!parsed || parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '' || parsed.hostname === '') return null;
  return parsed.href;
}

/** In-window navigation is never allowed, not even to our own origin: the app is a single page. */
export function mayNavigate(_url: string): false {
  return false;
}

function tryParse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
