/**
 * A WebSocket client in raw bytes over node:net, for what the `ws` client will not send: a frame header
 * that announces more than the server takes, reserved bits, unknown opcodes, unmasked frames.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawWebSocket {
  readonly socket: Socket;
  /** Bytes the server sent after its 101 answer. */
  readonly received: () => Buffer;
  /** Resolves once the server has closed the connection. */
  readonly ended: Promise<void>;
}

/** Opens the API socket with the token and the page's Origin; rejects unless the server answers 101. */
export function openRawWebSocket(port: number, token: string): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    let endedResolve!: () => void;
    const ended = new Promise<void>((done) => (endedResolve = done));
    socket.on('close', () => endedResolve());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (upgraded) return;
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = buffer.subarray(0, headerEnd).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        return;
      }
      upgraded = true;
      buffer = buffer.subarray(headerEnd + 4);
      resolve({ socket, received: () => buffer, ended });
    });
    socket.write(
      [
        `GET /api?token=${token} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        `Origin: http://127.0.0.1:${port}`,
        '',
        '',
      ].join('\r\n'),
    );
  });
}

/** A client frame: FIN and the opcode in the first byte, then the length (which may lie) and the mask. */
export function clientFrame(options: {
  opcode: number;
  payload?: Buffer;
  /** The length the header announces; the payload's own by default. */
  announcedLength?: number;
  fin?: boolean;
  reservedBits?: number;
  masked?: boolean;
}): Buffer {
  const payload = options.payload ?? Buffer.alloc(0);
  const length = options.announcedLength ?? payload.length;
  const masked = options.masked ?? true;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.reservedBits ?? 0) << 4) | (options.opcode & 0x0f);
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, (masked ? 0x80 : 0) | length]);
  else if (length < 65_536) {
    header = Buffer.alloc(4);
    header.writeUInt8(first, 0);
    header.writeUInt8((masked ? 0x80 : 0) | 126, 1);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(first, 0);
    header.writeUInt8((masked ? 0x80 : 0) | 127, 1);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([header, mask, body]);
}

/** The close code in the server's frames, if it sent a close frame (opcode 8). */
export function closeCode(serverBytes: Buffer): number | null {
  let at = 0;
  while (at + 2 <= serverBytes.length) {
    const opcode = serverBytes[at]! & 0x0f;
    let length = serverBytes[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = serverBytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(serverBytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (opcode === 8) return length >= 2 ? serverBytes.readUInt16BE(offset) : 1005;
    at = offset + length;
  }
  return null;
}
