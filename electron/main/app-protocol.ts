import { contentSecurityPolicy } from '../shared/csp.js';
import { readStaticFile } from '../server/static-files.js';
import { APP_HOST } from './url-policy.js';

/**
 * Serves the built renderer on app://kaituhi/… with the CSP as a response header (a header cannot be
 * removed by the page, unlike a <meta> tag). Anything outside the renderer folder is a 404.
 */
export async function serveAppRequest(rendererDir: string, requestUrl: string): Promise<Response> {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return new Response('Bad request', { status: 400 });
  }
  if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
  const file = await readStaticFile(rendererDir, url.pathname).catch(() => null);
  if (!file) return new Response('Not found', { status: 404 });
  return new Response(new Uint8Array(file.body), {
    status: 200,
    headers: {
      'Content-Type': file.contentType,
      'Content-Security-Policy': contentSecurityPolicy(),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    },
  });
}

/** How the scheme is registered before the app is ready: a standard, secure origin that can run module workers. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  stream: true,
  allowServiceWorkers: false,
  bypassCSP: false,
  codeCache: true,
} as const;
