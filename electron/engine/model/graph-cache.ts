/**
 * Built graphs live in a cache folder the app owns (per user, never a model's folder): a graph that came with a
 * model folder could be any graph, so none is ever taken from there. An entry is keyed by the full SHA-256 of the
 * weights it was built from, the builder and its version, the precision and the config values the build read;
 * its entry.json records every file's SHA-256, checked before the graph is used. A missing, foreign or altered
 * entry is built again; the least recently used entries go when there are more than 16 or 24 GiB of them.
 *
 *   <cache>/graphs/<key>/entry.json          the key and each file's size and SHA-256
 *   <cache>/graphs/<key>/model.onnx (+ _data) the graph
 *   <cache>/file-hashes.json                 SHA-256 of files already hashed, by path and inode state
 *
 * Hashing 6 GB takes seconds, so a file's SHA-256 is remembered with its size, mtime, ctime and inode: any write
 * or replacement changes the ctime, which no unprivileged program can set back, so an unchanged stat means
 * unchanged bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The per-user folder for built graphs: $KAITUHI_CACHE_DIR, else the platform's cache folder. */
export function defaultGraphCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KAITUHI_CACHE_DIR) return path.resolve(env.KAITUHI_CACHE_DIR);
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'Kaituhi', 'Cache');
  if (platform === 'darwin') return path.join(homedir(), 'Library', 'Caches', 'Kaituhi');
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'kaituhi');
}

export interface GraphKey {
  /** Full SHA-256 of the weights file the graph is built from. */
  readonly weightsSha256: string;
  /** The builder and its version, e.g. `kaituhi-3`. */
  readonly graph: string;
  readonly precision: string;
  /** Whatever else the build reads: config values such as n_head and layer_norm_epsilon. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

const GraphKeySchema = z
  .object({
    weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
    graph: z.string().min(1),
    precision: z.string().min(1),
    settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

const EntrySchema = z.object({
  key: GraphKeySchema,
  graphFile: z.string().regex(/^[^/\\]+$/),
  files: z.record(
    z.string().regex(/^[^/\\]+$/),
    z.object({ size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});
type Entry = z.infer<typeof EntrySchema>;

/** JSON with keys sorted at every level, so equal keys hash equally whatever order they were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The entry's folder name: the SHA-256 of the key. */
export function graphCacheKey(key: GraphKey): string {
  return createHash('sha256').update(canonical(key)).digest('hex');
}

// ---- file hashes, remembered by stat ----

const FileHashes = z.record(
  z.string(),
  z.object({ size: z.number(), mtimeMs: z.number(), ctimeMs: z.number(), ino: z.number(), dev: z.number(), sha256: z.string() }),
);
type FileHashes = z.infer<typeof FileHashes>;
/** The memo forgets the oldest files beyond this many. */
const MAX_REMEMBERED_FILES = 256;

async function readFileHashes(cacheDir: string): Promise<FileHashes> {
  try {
    const parsed = FileHashes.safeParse(JSON.parse(await readFile(path.join(cacheDir, 'file-hashes.json'), 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

async function sha256OfBytes(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function inodeState(file: string): Promise<Omit<FileHashes[string], 'sha256'>> {
  const s = await stat(file);
  return { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, dev: s.dev };
}

/** Remembers the SHA-256 of files (absolute paths) as they are now on disk. */
async function rememberHashes(cacheDir: string, hashes: ReadonlyMap<string, string>): Promise<void> {
  const next: FileHashes = { ...(await readFileHashes(cacheDir)) };
  for (const [file, sha256] of hashes) {
    delete next[file];
    next[file] = { ...(await inodeState(file)), sha256 };
  }
  const kept = Object.entries(next).slice(-MAX_REMEMBERED_FILES);
  await mkdir(cacheDir, { recursive: true });
  await writeAtomically(path.join(cacheDir, 'file-hashes.json'), JSON.stringify(Object.fromEntries(kept)));
}

/** The file's SHA-256, hashed once per version of the file (see the header). */
export async function fileSha256(file: string, cacheDir: string): Promise<string> {
  const abs = path.resolve(file);
  const state = await inodeState(abs);
  const known = (await readFileHashes(cacheDir))[abs];
  if (known && (Object.keys(state) as (keyof typeof state)[]).every((k) => known[k] === state[k])) return known.sha256;
  const sha256 = await sha256OfBytes(abs);
  await rememberHashes(cacheDir, new Map([[abs, sha256]]));
  return sha256;
}

// ---- entries ----

/** After a build, least recently used entries go until at most this many remain, holding at most this many bytes. */
const MAX_ENTRIES = 16;
const MAX_BYTES = 24 * 1024 ** 3;

async function readEntry(dir: string): Promise<Entry | null> {
  try {
    const parsed = EntrySchema.safeParse(JSON.parse(await readFile(path.join(dir, 'entry.json'), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The entry is for this key and every file it lists still has its recorded SHA-256. */
async function entryHolds(dir: string, entry: Entry, key: GraphKey, cacheDir: string): Promise<boolean> {
  if (canonical(entry.key) !== canonical(key) || !(entry.graphFile in entry.files)) return false;
  for (const [name, expected] of Object.entries(entry.files)) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile() || info.size !== expected.size) return false;
    if ((await fileSha256(file, cacheDir)) !== expected.sha256) return false;
  }
  return true;
}

/**
 * The graph for `key`, from the cache when its entry checks out, otherwise built by `build(dir, fileName)` into a
 * fresh folder (it returns the graph file's path), hashed, recorded and moved into place in one rename.
 */
export async function cachedGraph(
  cacheDir: string,
  key: GraphKey,
  build: (dir: string, fileName: string) => Promise<string>,
): Promise<string> {
  const graphs = path.join(cacheDir, 'graphs');
  const dir = path.join(graphs, graphCacheKey(key));
  const existing = await readEntry(dir);
  if (existing && (await entryHolds(dir, existing, key, cacheDir))) {
    const now = new Date();
    await utimes(path.join(dir, 'entry.json'), now, now).catch(() => undefined);
    return path.join(dir, existing.graphFile);
  }
  await mkdir(graphs, { recursive: true });
  const staging = path.join(graphs, `.build-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const graphFile = path.basename(await build(staging, 'model.onnx'));
    const files: Entry['files'] = {};
    for (const name of await readdir(staging)) {
      const file = path.join(staging, name);
      files[name] = { size: (await stat(file)).size, sha256: await sha256OfBytes(file) };
    }
    const entry: Entry = { key: GraphKeySchema.parse(key), graphFile, files };
    await writeFile(path.join(staging, 'entry.json'), JSON.stringify(entry, null, 2));
    // Whatever held this key before (nothing, or an entry that failed its check) goes first.
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another process put the same graph in place a moment ago: use it if it checks out.
      const theirs = await readEntry(dir);
      if (!theirs || !(await entryHolds(dir, theirs, key, cacheDir))) throw error;
      return path.join(dir, theirs.graphFile);
    }
    // Just hashed: the first load of the entry need not read it all again.
    await rememberHashes(cacheDir, new Map(Object.entries(files).map(([name, f]) => [path.join(dir, name), f.sha256])));
    await pruneGraphCache(graphs, dir);
    return path.join(dir, graphFile);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Keeps the most recently used entries (always `keep`) within the limits, removing the rest and builds left by a crash. */
async function pruneGraphCache(graphs: string, keep: string): Promise<void> {
  const entries: { dir: string; used: number; bytes: number }[] = [];
  for (const name of await readdir(graphs)) {
    const dir = path.join(graphs, name);
    if (name.startsWith('.build-')) {
      const info = await stat(dir).catch(() => null);
      // A day-old build folder belongs to a process that is gone.
      if (info && Date.now() - info.mtimeMs > 24 * 3600 * 1000) await rm(dir, { recursive: true, force: true });
      continue;
    }
    const info = await stat(path.join(dir, 'entry.json')).catch(() => null);
    const entry = await readEntry(dir);
    const bytes = Object.values(entry?.files ?? {}).reduce((sum, f) => sum + f.size, 0);
    entries.push({ dir, used: dir === keep ? Infinity : (info?.mtimeMs ?? 0), bytes });
  }
  entries.sort((a, b) => b.used - a.used);
  let bytes = 0;
  for (const [i, entry] of entries.entries()) {
    bytes += entry.bytes;
    if (entry.dir !== keep && (i >= MAX_ENTRIES || bytes > MAX_BYTES)) await rm(entry.dir, { recursive: true, force: true });
  }
}
