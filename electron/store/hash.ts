/** The two fingerprints the hub publishes: SHA-256 for LFS files, the git blob SHA-1 for small files in git. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** git hashes "blob <size>\0" + content; the hub's ETag for a non-LFS file is exactly that. */
export async function gitBlobSha1File(file: string, signal?: AbortSignal): Promise<string> {
  const { size } = await stat(file);
  const hash = createHash('sha1');
  hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
