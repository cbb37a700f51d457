import { createHash } from 'node:crypto';

/** SHA-256 of the UTF-8 bytes, in hex: how saves tell their own writes from someone else's (timestamps lie). */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
