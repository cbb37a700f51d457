/** The two fingerprints the hub publishes: SHA-256 for LFS files, the git blob SHA-1 (of "blob <size>\\0" + content) for small files in git. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Both fingerprints in one read: the SHA-256 everything is recorded by, and the git blob SHA-1 the hub gives small files. */
export async function fileDigests(file: string, signal?: AbortSignal): Promise<{ sha256: string; gitSha1: string }> {
  const { size } = await stat(file);
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  sha1.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) {
    sha256.update(chunk as Buffer);
    sha1.update(chunk as Buffer);
  }
  return { sha256: sha256.digest('hex'), gitSha1: sha1.digest('hex') };
}
