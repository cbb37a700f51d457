/**
 * Series (issue 11): drafts that share one lorebook. Each series is one file in the library,
 * `.series/<sha256 of its name>.json` holding `{ version, name, lorebook }`, written atomically; the name the
 * writer typed never becomes a path. A draft in a series keeps its own lorebook in draft.json untouched, so
 * leaving the series gives it back. The author's note and memory stay per draft.
 */
import { join } from 'node:path';
import { draftIdProblem } from '../common/drafts.js';
import { seriesFileSchema, seriesNameSchema, type Lorebook, type SeriesSummary } from '../common/lore.js';
import { atomicWrite } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import { sha256 } from '../disk/sha256.js';
import type { LibraryContext } from './context.js';
import { readMeta } from './draft-folder.js';
import { DraftError, toDraftError } from './errors.js';

/** The library's folder of series files: a dot folder, so it is never listed as a draft. */
export const SERIES_DIR = '.series';

/** A series name as the writer typed it, trimmed and checked, or a DraftError that says why not. */
export function checkSeriesName(name: unknown): string {
  const parsed = seriesNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new DraftError('invalid-input', `That is not a series name: ${parsed.error.issues[0]?.message ?? 'it is not text'}.`);
  }
  return parsed.data;
}

export function seriesPath(root: string, name: string): string {
  return join(root, SERIES_DIR, `${sha256(name)}.json`);
}

/** The series files of one library, with the lorebooks read so far (every open draft of a series sees one). */
export class SeriesShelf {
  readonly #ctx: LibraryContext;
  readonly #books = new Map<string, Lorebook>();
  /** One write at a time per series, in the order asked, so an older lorebook never lands after a newer one. */
  readonly #writes = new Map<string, Promise<void>>();

  constructor(ctx: LibraryContext) {
    this.#ctx = ctx;
  }

  /** The series' lorebook, or null when it has no file yet. A damaged file is a DraftError in words, never a default. */
  async read(name: string): Promise<Lorebook | null> {
    const clean = checkSeriesName(name);
    const known = this.#books.get(clean);
    if (known) return known;
    const path = seriesPath(this.#ctx.root, clean);
    let raw: string;
    try {
      raw = (await this.#ctx.fs.readFile(path)).toString('utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw toDraftError(err, `read the lorebook of the series “${clean}”`, path);
    }
    const book = parseSeriesFile(raw, clean, path);
    this.#books.set(clean, book);
    return book;
  }

  /** The lorebook read last for an open series, without touching the disk. */
  cached(name: string): Lorebook | undefined {
    return this.#books.get(name);
  }

  /** Writes the series file atomically (in the library, private); the cache follows only a write that landed. */
  async write(name: string, lorebook: Lorebook): Promise<void> {
    const clean = checkSeriesName(name);
    const { fs, root } = this.#ctx;
    const path = seriesPath(root, clean);
    const previous = this.#writes.get(clean) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        try {
          await fs.mkdir(join(root, SERIES_DIR));
          await atomicWrite(fs, path, `${JSON.stringify({ version: 1, name: clean, lorebook }, null, 2)}\n`, { within: root });
        } catch (err) {
          throw toDraftError(err, `save the lorebook of the series “${clean}”`, path);
        }
        this.#books.set(clean, lorebook);
      });
    this.#writes.set(clean, next);
    await next;
  }

  /**
   * Every series with a readable file, and how many drafts of the library use it (open drafts as they stand in
   * memory, the others as draft.json says). Series files that cannot be read are left out.
   */
  async list(openSeries: (id: string) => string | null | undefined): Promise<SeriesSummary[]> {
    const { fs, root } = this.#ctx;
    const counts = new Map<string, number>();
    let ids: string[];
    try {
      ids = await fs.readdir(root);
    } catch (err) {
      throw toDraftError(err, 'list the drafts', root);
    }
    for (const id of ids) {
      if (draftIdProblem(id) !== null) continue;
      let series = openSeries(id);
      if (series === undefined)
        series = await readMeta(fs, root, id, new Date(0).toISOString()).then(
          (m) => m.meta.series,
          () => null,
        );
      if (series) counts.set(series, (counts.get(series) ?? 0) + 1);
    }
    let files: string[] = [];
    try {
      files = await fs.readdir(join(root, SERIES_DIR));
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw toDraftError(err, 'list the series', join(root, SERIES_DIR));
    }
    const out: SeriesSummary[] = [];
    for (const file of files.filter((f) => /^[0-9a-f]{64}\.json$/.test(f)).sort()) {
      const path = join(root, SERIES_DIR, file);
      try {
        const parsed = seriesFileSchema.safeParse(JSON.parse((await fs.readFile(path)).toString('utf8')));
        if (parsed.success && seriesPath(root, parsed.data.name) === path) {
          out.push({ name: parsed.data.name, drafts: counts.get(parsed.data.name) ?? 0 });
        }
      } catch {
        // An unreadable series file is reported when a draft of it opens; the list simply leaves it out.
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}

function parseSeriesFile(raw: string, name: string, path: string): Lorebook {
  const damaged = (why: string): DraftError =>
    new DraftError(
      'io',
      `The lorebook of the series “${name}” could not be read (${why}; ${path}). Restore the file from a backup or delete it to start the series afresh; the drafts' texts are safe and untouched.`,
      path,
    );
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw damaged('the file is not valid JSON');
  }
  const parsed = seriesFileSchema.safeParse(json);
  if (!parsed.success) throw damaged('the file does not hold a series lorebook');
  if (parsed.data.name !== name) throw damaged(`the file names another series, “${parsed.data.name}”`);
  return parsed.data.lorebook;
}
