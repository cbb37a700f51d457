/**
 * Brings one file on disk up to its expected size, resuming with HTTP Range from whatever bytes are already
 * there. The file on disk is always a prefix of the real file (appends only), so its length is the whole resume
 * state and survives a crash or a restart of the app.
 */
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { StoreError, TransientError } from './errors.js';
import { failureFor, type FetchFn } from './hub.js';
import { backoffDelay, sleep, type RetryPolicy } from './retry.js';

export interface TransferOptions {
  readonly fetch: FetchFn;
  readonly url: string;
  readonly dest: string;
  readonly expectedSize: number;
  /** For messages: "gpt2-onnx-int8: onnx/model_quantized.onnx". */
  readonly what: string;
  readonly token?: string | undefined;
  readonly signal: AbortSignal;
  readonly retry: RetryPolicy;
  /** No byte for this long means a dead connection that never closed: drop it and resume. */
  readonly stallTimeoutMs: number;
  /** Bytes of this file on disk, after every write (and after a restart from zero). */
  readonly onBytes: (bytesOnDisk: number) => void;
}

async function sizeOnDisk(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** undici reports a cut connection as TypeError('terminated' / 'fetch failed') with a socket error as its cause. */
function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && 'code' in err && typeof (err as NodeJS.ErrnoException).code === 'string');
}

export async function transferFile(o: TransferOptions): Promise<void> {
  await mkdir(path.dirname(o.dest), { recursive: true });
  let failures = 0;
  for (;;) {
    let have = await sizeOnDisk(o.dest);
    if (have > o.expectedSize) {
      await truncate(o.dest, 0);
      have = 0;
    }
    o.onBytes(have);
    if (have === o.expectedSize) return;
    const before = have;
    try {
      have = await fetchOnce(o, have);
      if (have === o.expectedSize) return;
      throw new TransientError(`${o.what}: the connection closed after ${have} of ${o.expectedSize} bytes`);
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      if (err instanceof StoreError) throw err;
      if (!(err instanceof TransientError) && !isNetworkError(err)) throw err;
      const now = await sizeOnDisk(o.dest);
      if (now > before) failures = 0;
      failures += 1;
      if (failures > o.retry.attempts) {
        throw new StoreError(
          'network',
          `${o.what}: gave up after ${o.retry.attempts} retries (${(err as Error).message}). The download can be resumed.`,
          o.what,
        );
      }
      await sleep(backoffDelay(o.retry, failures), o.signal);
    }
  }
}

/** One request; returns the bytes on disk when the body ends. Throws TransientError / network errors to be retried. */
async function fetchOnce(o: TransferOptions, have: number): Promise<number> {
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => stall.abort(new TransientError(`${o.what}: no data for ${Math.round(o.stallTimeoutMs / 1000)} s`)),
      o.stallTimeoutMs,
    );
  };
  const signal = AbortSignal.any([o.signal, stall.signal]);
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (have > 0) headers.range = `bytes=${have}-`;
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  arm();
  try {
    const res = await fetch_(o, headers, signal);
    if (res.status === 416) {
      // Our offset is past what the server has: the file changed or our bytes are wrong. Start over.
      await res.body?.cancel();
      await truncate(o.dest, 0);
      throw new TransientError(`${o.what}: the server refused to resume at byte ${have}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw failureFor(res, o.what);
    }
    let offset = have;
    if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (start === undefined || Number(start) !== have) {
        await res.body?.cancel();
        await truncate(o.dest, 0);
        throw new TransientError(`${o.what}: the server resumed at the wrong byte`);
      }
    } else if (have > 0) {
      // 200 to a Range request: the server ignores Range and sends the whole file, so keep none of ours.
      offset = 0;
    }
    if (res.body === null) return offset;
    const handle = await open(o.dest, offset === 0 ? 'w' : 'a');
    try {
      if (offset === 0) o.onBytes(0);
      for await (const chunk of res.body) {
        arm();
        const bytes = chunk as Uint8Array;
        if (offset + bytes.byteLength > o.expectedSize) {
          throw new StoreError(
            'hash-mismatch',
            `${o.what}: the server sent more than the expected ${o.expectedSize} bytes; nothing was installed.`,
            o.what,
          );
        }
        await handle.write(bytes);
        offset += bytes.byteLength;
        o.onBytes(offset);
      }
    } finally {
      await handle.close();
    }
    return offset;
  } catch (err) {
    // A stall aborts the request with our TransientError as the reason; surface that, not undici's AbortError.
    if (stall.signal.aborted && !o.signal.aborted) throw stall.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function fetch_(o: TransferOptions, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  // Redirects to the CDN are followed; fetch drops the Authorization header when the origin changes.
  return o.fetch(o.url, { headers, signal, redirect: 'follow' });
}
