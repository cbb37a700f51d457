/** The library's list: every draft folder, and the operations on whole drafts (create, rename, duplicate). */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { draftIdProblem, MAX_TITLE_CHARS, newestFirst } from '../common/drafts.js';
import { countWords } from '../common/word-count.js';
import { atomicWrite } from '../disk/atomic-write.js';
import { localDay } from './clock.js';
import type { DraftSummary, LibraryContext } from './context.js';
import { checkId, META_FILE, pathExists, readMeta, readText, slugify, textPath, writeMeta } from './draft-folder.js';
import { DraftError, toDraftError } from './errors.js';
import { defaultMeta } from './metadata.js';
import type { OpenBuffers } from './open-buffers.js';

export const DEFAULT_TITLE = 'Untitled';

const characters = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The title trimmed and, when longer than the limit, cut before the first character that would cross it: a cut
 * by code units could leave half an emoji (a lone surrogate) or a flag, a family or an accented letter in pieces.
 */
function cleanTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed.length <= MAX_TITLE_CHARS) return trimmed;
  let end = 0;
  for (const { index, segment } of characters.segment(trimmed)) {
    if (index + segment.length > MAX_TITLE_CHARS) break;
    end = index + segment.length;
  }
  return trimmed.slice(0, end).trimEnd();
}

/** Folds case and accents, so "cafe" finds "Café". */
function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** What the parts built on the list (trash, words) work with. */
export interface LibraryParts {
  readonly ctx: LibraryContext;
  readonly buffers: OpenBuffers;
  readonly catalog: DraftCatalog;
}

export class DraftCatalog {
  readonly #ctx: LibraryContext;
  readonly #buffers: OpenBuffers;

  constructor(ctx: LibraryContext, buffers: OpenBuffers) {
    this.#ctx = ctx;
    this.#buffers = buffers;
  }

  /** Every draft, newest change first. Folders whose names could not be a draft id on every system are left out. */
  async list(): Promise<DraftSummary[]> {
    this.#ctx.assertBooted();
    let names: string[];
    try {
      names = await this.#ctx.fs.readdir(this.#ctx.root);
    } catch (err) {
      throw toDraftError(err, 'list the drafts', this.#ctx.root);
    }
    const out: DraftSummary[] = [];
    for (const name of names) {
      if (draftIdProblem(name) !== null) continue;
      const s = await this.summary(name).catch(() => null);
      if (s) out.push(s);
    }
    return out.sort(newestFirst);
  }

  /** Title search that ignores case and accents. */
  async search(query: string): Promise<DraftSummary[]> {
    const q = fold(query.trim());
    const all = await this.list();
    return q ? all.filter((d) => fold(d.title).includes(q)) : all;
  }

  async create(title = DEFAULT_TITLE, text = ''): Promise<DraftSummary> {
    this.#ctx.assertBooted();
    const { fs, root, clock } = this.#ctx;
    const clean = cleanTitle(title) || DEFAULT_TITLE;
    const id = await this.freshId(clean);
    const now = clock.now();
    const meta = defaultMeta(clean, new Date(now).toISOString());
    meta.wordHistory[localDay(now)] = { start: 0, end: countWords(text) };
    try {
      await fs.mkdir(join(root, id));
      await atomicWrite(fs, textPath(root, id), text, { within: root });
      await writeMeta(fs, root, id, meta, false, now);
    } catch (err) {
      throw toDraftError(err, `create the draft “${clean}”`, join(root, id));
    }
    return this.summary(id);
  }

  async rename(id: string, title: string): Promise<DraftSummary> {
    checkId(id);
    const clean = cleanTitle(title);
    if (!clean) throw new DraftError('invalid-input', 'A draft needs a title.');
    const wasOpen = this.#buffers.has(id);
    const b = await this.#buffers.load(id);
    b.meta.title = clean;
    this.#buffers.markDirty(b, false);
    await this.#buffers.save(id);
    const s = await this.summary(id);
    if (!wasOpen) await this.#buffers.close(id);
    return { ...s, open: wasOpen };
  }

  async duplicate(id: string): Promise<DraftSummary> {
    checkId(id);
    const wasOpen = this.#buffers.has(id);
    const src = await this.#buffers.load(id);
    // The copy is built from the buffer, not copied file by file: that includes unsaved text and never copies a symlink.
    const copy = await this.create(`${src.meta.title} (copy)`, src.text);
    const b = await this.#buffers.load(copy.id);
    b.meta.memory = src.meta.memory;
    b.meta.note = src.meta.note;
    b.meta.lorebook = src.meta.lorebook;
    // The copy stays in the series: it shares the series' lorebook (the file itself is not copied).
    b.meta.series = src.meta.series;
    b.meta.suggestionMode = src.meta.suggestionMode;
    b.meta.modelSpans = src.meta.modelSpans.map((s) => ({ ...s }));
    this.#buffers.markDirty(b, false);
    await this.#buffers.close(copy.id);
    if (!wasOpen) await this.#buffers.close(id);
    return this.summary(copy.id);
  }

  /** One draft's list line: from its buffer when open, else from draft.json (and text.md only when it must). */
  async summary(id: string): Promise<DraftSummary> {
    const open = this.#buffers.summary(id);
    if (open) return open;
    const { fs, root } = this.#ctx;
    const st = await fs.stat(join(root, id));
    if (!st.isDirectory()) throw new DraftError('not-found', `${id} is not a draft folder`);
    const { meta } = await readMeta(fs, root, id, new Date(st.mtimeMs).toISOString());
    const hasText = await pathExists(fs, textPath(root, id));
    const hasMeta = await pathExists(fs, join(root, id, META_FILE));
    if (!hasText && !hasMeta) throw new DraftError('not-found', `${id} is not a draft folder`);
    // The last day's count saves reading a possibly huge text.md just to list the library.
    const days = Object.keys(meta.wordHistory).sort();
    const lastDay = days[days.length - 1];
    const words = lastDay ? meta.wordHistory[lastDay]!.end : hasText ? countWords((await readText(fs, root, id)).text) : 0;
    return { id, title: meta.title, created: meta.created, modified: meta.modified, words, open: false, dirty: false };
  }

  /** A new folder name for `title`: its readable slug and a random suffix. */
  async freshId(title: string): Promise<string> {
    const base = slugify(title);
    for (;;) {
      const id = `${base}-${randomBytes(3).toString('hex')}`;
      if (!(await pathExists(this.#ctx.fs, join(this.#ctx.root, id)))) return id;
    }
  }
}
