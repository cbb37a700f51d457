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
 *   127.0.0.1 would receive it;
 * - the completions API (/v1/) needs `Authorization: Bearer <key>`, the key being the per-launch token or
 *   the one given with --api-key; a browser may call it only from an origin named with --cors-origin (any
 *   other Origin is refused outright, so a page elsewhere cannot even make it work without reading the answer).
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
  /** The Authorization header, for the completions API. */
  authorization?: string | undefined;
}

export interface AccessPolicy {
  readonly port: number;
  readonly token: string;
  /** The served page's origin, e.g. http://127.0.0.1:5123. */
  readonly origin: string;
  /** A key the completions API accepts besides the token (--api-key, KAITUHI_API_KEY); null when none. */
  readonly apiKey?: string | null;
  /** Origins whose pages may call the completions API (--cors-origin), normalised by `parseCorsOrigin`. */
  readonly corsOrigins?: readonly string[];
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

/** The completions API's paths start with this. */
export const OPENAI_API_PREFIX = '/v1/';

/**
 * A browser's request to the completions API, before the key is looked at: a loopback Host, and an Origin
 * named with --cors-origin when there is one (browsers send Origin on every cross-origin request, and on
 * every POST). Programs (curl, the openai client, another Kaituhi) send no Origin.
 */
export function checkApiOrigin(policy: AccessPolicy, facts: RequestFacts): Verdict {
  const http = checkHttpRequest(policy, facts);
  if (!http.ok) return http;
  if (facts.origin !== undefined && !corsAllows(policy, facts.origin)) {
    return { ok: false, status: 403, reason: `Origin ${facts.origin.slice(0, 200)} is not allowed (name it with --cors-origin)` };
  }
  return { ok: true };
}

/** A call to the completions API: as `checkApiOrigin`, and `Authorization: Bearer` with the token or the API key. */
export function checkApiRequest(policy: AccessPolicy, facts: RequestFacts): Verdict {
  const origin = checkApiOrigin(policy, facts);
  if (!origin.ok) return origin;
  const key = bearerKey(facts.authorization);
  const keys = [policy.token, ...(policy.apiKey ? [policy.apiKey] : [])];
  // Every key is compared, so the time taken does not say which one came close.
  const matches = keys.map((expected) => tokensMatch(key, expected));
  if (!matches.includes(true)) return { ok: false, status: 401, reason: 'missing or wrong API key (Authorization: Bearer <key>)' };
  return { ok: true };
}

export function corsAllows(policy: AccessPolicy, origin: string): boolean {
  return (policy.corsOrigins ?? []).includes(origin.toLowerCase());
}

function bearerKey(header: string | undefined): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/**
 * An origin as --cors-origin takes it: scheme, host and port, nothing else (no path, no wildcard), lower-cased
 * as browsers send it. Throws a sentence that says what is wrong.
 */
export function parseCorsOrigin(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--cors-origin ${raw}: not an origin such as http://localhost:5173`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--cors-origin ${raw}: only http and https origins`);
  if (url.origin.toLowerCase() !== raw.replace(/\/$/, '').toLowerCase()) {
    throw new Error(`--cors-origin ${raw}: an origin has no path, query or credentials (e.g. ${url.origin})`);
  }
  return url.origin.toLowerCase();
}
