import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_PARAM } from '../shared/api.js';

/**
 * Who may talk to the server. It listens on 127.0.0.1 only, but any web page in any local browser can
 * reach 127.0.0.1, so loopback alone is no protection:
 * - the Host header must name the loopback address and our port (defeats DNS rebinding), on every request;
 * - the API (the WebSocket: drafts, settings, models, generations) needs the per-launch token in its URL,
 *   and an Origin that is the page we served (browsers always send Origin on WebSocket upgrades);
 * - the page's files are the public build output and need no token. That is what lets the page drop the
 *   token from the address bar and still reload: it keeps the token in sessionStorage, which is per origin
 *   and so per port. No cookie is ever set: cookies are not isolated by port, so every other service on
 *   127.0.0.1 would receive it.
 */
export function makeToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensMatch(provided: string | null | undefined, expected: string): boolean {
  if (typeof provided !== 'string') return false;
  const a = Buffer.from(provided);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RequestFacts {
  url: string | undefined;
  host: string | undefined;
  origin?: string | undefined;
}

export interface AccessPolicy {
  readonly port: number;
  readonly token: string;
  /** The served page's origin, e.g. http://127.0.0.1:5123. */
  readonly origin: string;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((host) => `http://${host}`);
}

export interface RequestTarget {
  /** Percent-encoded, as sent; the static-file resolver decodes it (and refuses what does not decode). */
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * Splits a request target into path and query, or null unless it is origin-form (`/path?query`), the only
 * form a browser sends to a server it is not using as a proxy. Never throws: `new URL('//', base)` does,
 * and one such request used to end the whole server. Splitting by hand also keeps `//host/x` a path.
 */
export function parseTarget(raw: string | undefined): RequestTarget | null {
  if (raw === undefined || !raw.startsWith('/')) return null;
  const queryAt = raw.indexOf('?');
  if (queryAt < 0) return { path: raw, query: new URLSearchParams() };
  // URLSearchParams leaves a malformed escape as it is instead of throwing.
  return { path: raw.slice(0, queryAt), query: new URLSearchParams(raw.slice(queryAt + 1)) };
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403 | 421 | 503; reason: string };

/** Any request: the page's files need only a loopback Host and a well-formed target. */
export function checkHttpRequest(policy: AccessPolicy, facts: RequestFacts): Verdict {
  if (!facts.host || !allowedHosts(policy.port).includes(facts.host.toLowerCase())) {
    return { ok: false, status: 421, reason: 'unexpected Host header' };
  }
  if (!parseTarget(facts.url)) return { ok: false, status: 400, reason: 'malformed request target' };
  return { ok: true };
}

/** The API: the token in the upgrade's URL (the only place it is read), from the page we served. */
export function checkWebSocketUpgrade(policy: AccessPolicy, facts: RequestFacts): Verdict {
  const http = checkHttpRequest(policy, facts);
  if (!http.ok) return http;
  if (!tokensMatch(parseTarget(facts.url)?.query.get(TOKEN_PARAM), policy.token)) {
    return { ok: false, status: 401, reason: 'missing or wrong token' };
  }
  if (!facts.origin || !allowedOrigins(policy.port).includes(facts.origin.toLowerCase())) {
    return { ok: false, status: 403, reason: 'WebSocket Origin is not the served page' };
  }
  return { ok: true };
}
