/**
 * Raw HTTP over node:net: the exact bytes a hostile page or program can send, which node:http and
 * fetch would refuse to build (`GET //`, a bad cookie, a broken upgrade).
 */
import { connect } from 'node:net';

export interface RawReply {
  /** The status code of the first response line; 0 when the server closed without answering. */
  status: number;
  /** Everything the server sent, as latin1 so every byte survives. */
  text: string;
}

/** Sends `bytes` to 127.0.0.1:`port` and collects the answer until the server closes or `timeoutMs` passes. */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
    };
    // A keep-alive answer leaves the socket open: the first complete response is enough.
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isCompleteResponse(Buffer.concat(chunks).toString('latin1'))) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after an answer is still an answer.
      if (chunks.length > 0 || error.code === 'ECONNRESET' || error.code === 'EPIPE') finish();
      else reject(error);
    });
    socket.write(bytes);
  });
}

function isCompleteResponse(text: string): boolean {
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headerEnd));
  if (length) return text.length - headerEnd - 4 >= Number(length[1]);
  // No length: the server ends the body by closing (or sent none, as with a 101 or a refusal).
  return !/\r\ntransfer-encoding: *chunked/i.test(text.slice(0, headerEnd)) && /^HTTP\/1\.[01] (101|1\d\d|204|304)/.test(text);
}

/** A request line and headers, CRLF-joined and ended by the blank line. */
export function rawHead(requestLine: string, headers: readonly string[]): string {
  return [requestLine, ...headers, '', ''].join('\r\n');
}
