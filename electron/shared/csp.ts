/**
 * The Content-Security-Policy of the app's page, in Electron (app://) and in server mode alike.
 *
 * Why each exception exists:
 * - style-src 'unsafe-inline': Monaco writes its theme and decoration CSS into <style> elements at run time.
 * - worker-src blob:: Monaco's editor worker is a same-origin file, but the worker loader may wrap it in a blob.
 * - img-src/font-src data:: tiny icons the bundler inlines.
 * Scripts come only from the app's own origin: no inline script, no eval, no CDN.
 */
export function contentSecurityPolicy(options: { connectSources?: readonly string[] } = {}): string {
  const connect = ["'self'", ...(options.connectSources ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
