/**
 * A stand-in for the Hugging Face hub on 127.0.0.1 for the store tests: the same `resolve` layout, LFS files
 * redirected to a "CDN" path with X-Linked-Etag / X-Linked-Size, small files served directly with a git-SHA-1
 * ETag, and misbehaviour on cue (drops, 5xx, 404/401, ignored Range, corrupt bytes, a slow link).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Cue {
  /** Answer every request for the file with this status (404, 401...). */
  status?: number;
  /** The next `times` GETs of the content answer `status`. */
  fail?: { status: number; times: number };
  /** Cut the connection after this many body bytes, `times` times. */
  drop?: { afterBytes: number; times: number };
  /** Answer 200 with the whole file even when asked for a Range. */
  ignoreRange?: boolean;
  /** Serve the content with one byte flipped (the advertised hash stays the real one). */
  corrupt?: boolean;
  /** Throttle the body to about this many bytes a second. */
  bytesPerSecond?: number;
}

export interface HubFile {
  readonly repo: string;
  readonly path: string;
  readonly content: Buffer;
  readonly lfs: boolean;
  readonly sha256: string;
  readonly gitSha1: string;
  cue: Cue;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly range: string | null;
  /** The Authorization header, when the client sent one. */
  readonly authorization: string | null;
  status: number;
  bodyBytes: number;
}

export class TestHub {
  readonly requests: RecordedRequest[] = [];
  private readonly files = new Map<string, HubFile>();
  private readonly server: Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  endpoint = '';
  /** Where LFS files are redirected: this hub's own /cdn/ path, or another origin (a CDN on another host). */
  cdnOrigin: string | null = null;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  add(repo: string, path: string, content: Buffer, lfs: boolean, cue: Cue = {}): HubFile {
    const file: HubFile = {
      repo,
      path,
      content,
      lfs,
      sha256: createHash('sha256').update(content).digest('hex'),
      gitSha1: createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'),
      cue,
    };
    this.files.set(`${repo}/${path}`, file);
    return file;
  }

  /** GETs of a file's bytes (through the CDN path for LFS files). */
  gets(file: HubFile): RecordedRequest[] {
    const cdn = `/cdn/${file.sha256}`;
    const direct = (url: string): boolean => url.startsWith(`/${file.repo}/resolve/`) && url.endsWith(`/${file.path}`);
    return this.requests.filter((r) => r.method === 'GET' && (r.url === cdn || (!file.lfs && direct(r.url))));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = decodeURI(req.url ?? '/');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      url,
      range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null,
      status: 0,
      bodyBytes: 0,
    };
    this.requests.push(record);
    const send = (status: number, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, headers);
      res.end();
    };
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url);
    const file = cdn ? [...this.files.values()].find((f) => f.sha256 === cdn[1]) : this.lookup(url);
    if (file === undefined) return send(404, { 'x-error-code': 'EntryNotFound' });
    const cue = file.cue;
    if (cue.status !== undefined)
      return send(cue.status, cue.status === 401 ? { 'x-error-code': 'GatedRepo' } : { 'x-error-code': 'EntryNotFound' });
    if (!cdn && file.lfs) {
      return send(302, {
        location: `${this.cdnOrigin ?? ''}/cdn/${file.sha256}`,
        'x-linked-etag': `"${file.sha256}"`,
        'x-linked-size': String(file.content.length),
        etag: `"${file.sha256}"`,
      });
    }
    const etag = file.lfs ? file.sha256 : file.gitSha1;
    if (req.method === 'HEAD') return send(200, { 'content-length': String(file.content.length), etag: `"${etag}"` });
    if (cue.fail && cue.fail.times > 0) {
      cue.fail.times -= 1;
      return send(cue.fail.status);
    }
    let body = file.content;
    if (cue.corrupt) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)]! ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range && !cue.ignoreRange) {
      start = Number(range[1]);
      if (start >= body.length) return send(416, { 'content-range': `bytes */${body.length}` });
      record.status = 206;
      res.writeHead(206, {
        'content-length': String(body.length - start),
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        etag: `"${etag}"`,
      });
    } else {
      record.status = 200;
      res.writeHead(200, { 'content-length': String(body.length), etag: `"${etag}"`, 'accept-ranges': 'bytes' });
    }
    void this.stream(res, body.subarray(start), cue, record);
  }

  private lookup(url: string): HubFile | undefined {
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    return m ? this.files.get(`${m[1]}/${m[3]}`) : undefined;
  }

  private async stream(res: ServerResponse, body: Buffer, cue: Cue, record: RecordedRequest): Promise<void> {
    const dropAt = cue.drop && cue.drop.times > 0 ? cue.drop.afterBytes : Infinity;
    if (cue.drop && dropAt !== Infinity) cue.drop.times -= 1;
    const chunk = cue.bytesPerSecond ? Math.max(256, Math.floor(cue.bytesPerSecond / 20)) : 16 * 1024;
    let sent = 0;
    while (sent < body.length && !res.destroyed) {
      const end = Math.min(body.length, sent + chunk, dropAt);
      if (end > sent) {
        const ok = res.write(body.subarray(sent, end));
        record.bodyBytes += end - sent;
        sent = end;
        if (!ok) await new Promise((r) => res.once('drain', r));
      }
      if (sent >= dropAt) {
        // Give the bytes a moment to leave, then cut the connection as a flaky network would.
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return;
      }
      if (cue.bytesPerSecond) await new Promise((r) => setTimeout(r, (chunk / cue.bytesPerSecond!) * 1000));
    }
    res.end();
  }
}

export function randomContent(bytes: number): Buffer {
  return randomBytes(bytes);
}
