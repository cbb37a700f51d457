import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_PARAM } from '../shared/api.js';

/**
 * Who may talk to the server. It listens on 127.0.0.1 only, but any web page in any local browser can
 * reach 127.0.0.1, so loopback alone is no protection:
 * - every request must carry the per-launch token (in the URL, or in the cookie the first page load sets);
 * - the Host header must name the loopback address and our port (defeats DNS rebinding);
 * - a WebSocket's Origin must be the page we served (browsers always send Origin on WebSocket upgrades).
 */
export function makeToken(): string {
  return randomBytes(24).toString('base64url');
}

export function cookieName(port: number): string {
  // Cookies are not isolated by port, so two servers on one machine must not share a cookie name.
  return `kaituhi_token_${port}`;
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
  cookie: string | undefined;
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

export function tokenFromRequest(facts: Pick<RequestFacts, 'url' | 'cookie'>, port: number): string | null {
  const fromQuery = parseTarget(facts.url)?.query.get(TOKEN_PARAM);
  if (fromQuery) return fromQuery;
  return readCookie(facts.cookie, cookieName(port));
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403 | 421 | 503; reason: string };

export function checkHttpRequest(policy: AccessPolicy, facts: RequestFacts): Verdict {
  if (!facts.host || !allowedHosts(policy.port).includes(facts.host.toLowerCase())) {
    return { ok: false, status: 421, reason: 'unexpected Host header' };
  }
  if (!parseTarget(facts.url)) return { ok: false, status: 400, reason: 'malformed request target' };
  if (!tokensMatch(tokenFromRequest(facts, policy.port), policy.token)) {
    return { ok: false, status: 401, reason: 'missing or wrong token' };
  }
  return { ok: true };
}

export function checkWebSocketUpgrade(policy: AccessPolicy, facts: RequestFacts): Verdict {
  const http = checkHttpRequest(policy, facts);
  if (!http.ok) return http;
  if (!facts.origin || !allowedOrigins(policy.port).includes(facts.origin.toLowerCase())) {
    return { ok: false, status: 403, reason: 'WebSocket Origin is not the served page' };
  }
  return { ok: true };
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(separator + 1).trim());
    } catch {
      return null; // not percent-encoding: certainly not our token
    }
  }
  return null;
}
