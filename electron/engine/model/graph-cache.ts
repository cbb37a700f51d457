/**
 * Built graphs are cached next to the model, keyed by a hash of the weights file, the graph version and
 * the precision, so a checkpoint is converted once. Hashing 6 GB takes seconds, so the hash itself is
 * remembered per (size, mtime) of the weights file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function weightsHash(weightsFile: string, cacheDir: string): Promise<string> {
  const info = await stat(weightsFile);
  const memo = path.join(cacheDir, 'weights-hash.json');
  const key = `${path.resolve(weightsFile)}|${info.size}|${info.mtimeMs}`;
  try {
    const saved = JSON.parse(await readFile(memo, 'utf8')) as Record<string, unknown>;
    if (typeof saved[key] === 'string') return saved[key];
  } catch {
    // No memo yet, or unreadable: hash again.
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(weightsFile, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${memo}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ [key]: digest }));
  await rename(tmp, memo);
  return digest;
}

export async function cachedGraph(
  cacheDir: string,
  key: string,
  build: (dir: string, fileName: string) => Promise<string>,
): Promise<string> {
  const dir = path.join(cacheDir, key);
  const file = path.join(dir, 'model.onnx');
  try {
    await access(file);
    return file;
  } catch {
    return build(dir, 'model.onnx');
  }
}
