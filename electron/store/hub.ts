/**
 * The Hugging Face hub's file layout and what its answers mean. For an LFS file the hub answers the `resolve` URL
 * with a redirect to its CDN and puts the file's SHA-256 in X-Linked-Etag and its size in X-Linked-Size; those
 * headers sit on that first answer only, so the metadata request never follows the redirect to the CDN.
 */
import { StoreError, TransientError } from './errors.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** The one host an access token goes to unless the writer says otherwise. */
const HUB_HOST = 'huggingface.co';
export const SEND_TOKEN_OPT_IN = 'KAITUHI_SEND_HF_TOKEN_TO_ENDPOINT';

/**
 * Whether HF_TOKEN may go to `endpoint`: to https://huggingface.co, or to another endpoint (a mirror named by
 * HF_ENDPOINT) only when the writer opts in with KAITUHI_SEND_HF_TOKEN_TO_ENDPOINT=1. A mirror is somebody else's
 * server; a token sent there is a token given away.
 */
export function mayReceiveHubToken(endpoint: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[SEND_TOKEN_OPT_IN] === '1') return true;
  try {
    const url = new URL(endpoint);
    return url.protocol === 'https:' && url.hostname === HUB_HOST && url.port === '';
  } catch {
    return false;
  }
}

/** HF_ENDPOINT points every download at a mirror with the same layout (hf-mirror.com and the like). */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.HF_ENDPOINT?.trim();
  return (raw && raw.length > 0 ? raw : DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const enc = (s: string): string => s.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${enc(repo)}/resolve/${encodeURIComponent(revision)}/${enc(file)}`;
}

export type FetchFn = typeof fetch;

export interface RemoteFile {
  readonly size: number;
  /** From X-Linked-Etag (LFS), or an ETag that is itself a SHA-256. */
  readonly sha256: string | null;
  /** From the ETag of a small file kept in git. */
  readonly gitSha1: string | null;
}

function etagValue(raw: string | null): string | null {
  if (raw === null) return null;
  return raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

function positiveSize(raw: string | null): number | null {
  if (raw === null || !/^\d+$/.test(raw.trim())) return null;
  const n = Number(raw.trim());
  return Number.isSafeInteger(n) ? n : null;
}

/** Turns an answer that is not a success into the error the writer should read; transient ones are retried. */
export function failureFor(res: Response, what: string): Error {
  const code = res.headers.get('x-error-code');
  if (res.status === 404) {
    const detail =
      code === 'RevisionNotFound'
        ? 'that revision does not exist'
        : code === 'RepoNotFound'
          ? 'the repository does not exist'
          : 'the hub has no such file';
    return new StoreError('not-found', `${what}: not found (404, ${detail}).`);
  }
  if (res.status === 401 || res.status === 403) {
    const gated = code === 'GatedRepo' || res.status === 403;
    return new StoreError(
      'unauthorized',
      gated
        ? `${what}: the repository is gated (${res.status}). Accept its licence on the hub and set an access token (HF_TOKEN).`
        : `${what}: the hub refused access (401): the repository is private, gated or does not exist. Set an access token (HF_TOKEN) if it is yours.`,
    );
  }
  if (res.status === 429 || res.status >= 500) return new TransientError(`${what}: the server answered ${res.status}`);
  return new StoreError('http', `${what}: unexpected answer ${res.status} ${res.statusText}`.trim());
}

export interface HeadOptions {
  readonly token?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Size and fingerprint of a file before any byte is fetched, so the disk check and the hash check know what to expect. */
export async function headRemoteFile(fetchFn: FetchFn, url: string, what: string, options: HeadOptions = {}): Promise<RemoteFile> {
  let current = url;
  for (let hop = 0; hop < 10; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    // Tokens go to the hub only; a redirect to another host (the CDN) carries its own signature.
    if (options.token && new URL(current).origin === new URL(url).origin) headers.authorization = `Bearer ${options.token}`;
    const res = await fetchFn(current, { method: 'HEAD', redirect: 'manual', headers, signal: options.signal });
    await res.body?.cancel();
    const linkedEtag = etagValue(res.headers.get('x-linked-etag'));
    const linkedSize = positiveSize(res.headers.get('x-linked-size'));
    if (linkedEtag !== null && linkedSize !== null) {
      if (!/^[0-9a-f]{64}$/.test(linkedEtag))
        throw new StoreError('unverifiable', `${what}: the hub's X-Linked-Etag "${linkedEtag}" is not a SHA-256`);
      return { size: linkedSize, sha256: linkedEtag, gitSha1: null };
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      if (location === null) throw new StoreError('http', `${what}: redirect ${res.status} without a Location`);
      current = new URL(location, current).toString();
      continue;
    }
    if (!res.ok) throw failureFor(res, what);
    const size = positiveSize(res.headers.get('x-linked-size')) ?? positiveSize(res.headers.get('content-length'));
    if (size === null) throw new StoreError('unverifiable', `${what}: the server did not say how big the file is`);
    const etag = etagValue(res.headers.get('etag'));
    if (etag !== null && /^[0-9a-f]{64}$/.test(etag)) return { size, sha256: etag, gitSha1: null };
    if (etag !== null && /^[0-9a-f]{40}$/.test(etag)) return { size, sha256: null, gitSha1: etag };
    return { size, sha256: null, gitSha1: null };
  }
  throw new StoreError('http', `${what}: too many redirects`);
}
