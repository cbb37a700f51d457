/** After a crash: every journal entry whose text differs from the disk comes back as an open, unsaved draft. */
import { join } from 'node:path';
import { countWords } from '../common/word-count.js';
import { removeStaleTemps } from '../disk/atomic-write.js';
import { nowIso, type LibraryContext } from './context.js';
import { newBuffer } from './draft-buffer.js';
import { checkId, pathExists, readMeta, readText } from './draft-folder.js';
import { toDraftError } from './errors.js';
import { writeHistory } from './history-file.js';
import type { Journal } from './journal.js';
import { defaultMeta, normalizeSpans, sameStory } from './metadata.js';
import type { OpenBuffers } from './open-buffers.js';

export interface RecoveredDraft {
  id: string;
  title: string;
  words: number;
  /** The draft folder was gone; it was recreated to hold the recovered text. */
  folderRecreated: boolean;
  /** text.md changed after the unsaved text was journaled; the writer must choose (see resolveConflict). */
  conflict: boolean;
}

/**
 * Loads every journal entry whose text differs from the disk into an open, dirty buffer (autosave then
 * writes it), and clears entries that turned out to be saved already. Returns what was recovered, for the
 * notice the UI shows, and the journal files that could not be read (left on disk for a human).
 */
export async function recoverFromJournal(
  ctx: LibraryContext,
  journal: Journal,
  buffers: OpenBuffers,
): Promise<{ recovered: RecoveredDraft[]; unreadable: string[] }> {
  const { fs, root } = ctx;
  await removeStaleTemps(fs, journal.dir);
  const { entries, unreadable } = await journal.readAll();
  const recovered: RecoveredDraft[] = [];
  for (const entry of entries) {
    const id = checkedId(entry.id, unreadable);
    if (id === null) continue;
    if (buffers.has(id)) continue;
    const dir = join(root, id);
    let folderRecreated = false;
    if (!(await pathExists(fs, dir))) {
      await fs.mkdir(dir).catch((err: unknown) => {
        throw toDraftError(err, `recreate the folder for “${entry.title}”`, dir);
      });
      folderRecreated = true;
    }
    const { meta, problems, corrupt } = folderRecreated
      ? { meta: defaultMeta(entry.title, nowIso(ctx)), problems: [], corrupt: false }
      : await readMeta(fs, root, id, nowIso(ctx));
    const { text: diskText, disk } = await readText(fs, root, id);
    const story = { memory: entry.memory, note: entry.note ?? meta.note, lorebook: entry.lorebook ?? meta.lorebook };
    if (diskText === entry.text && sameStory(meta, story) && !folderRecreated) {
      await journal.remove(id);
      continue;
    }
    const b = newBuffer(
      id,
      entry.text,
      { ...meta, ...story, title: entry.title, modelSpans: normalizeSpans(entry.modelSpans, entry.text.length) },
      disk,
    );
    b.corruptMeta = corrupt;
    b.problems = problems;
    b.recovered = true;
    b.dirty = true;
    b.textDirty = true;
    b.version = 1;
    b.journaledVersion = 1;
    b.wordsAtOpen = countWords(diskText);
    const changedSince = disk !== null && entry.baseHash !== null && disk.hash !== entry.baseHash;
    if (changedSince) b.conflict = { ...disk, text: diskText };
    buffers.adopt(b);
    recovered.push({ id, title: entry.title, words: countWords(entry.text), folderRecreated, conflict: b.conflict !== null });
  }
  unreadable.push(...(await recoverHistories(ctx, journal, buffers)));
  return { recovered, unreadable };
}

/**
 * Unsaved history trees: a recovered draft holds its tree unsaved (autosave writes it with the text); any other
 * draft gets it written to its folder now. A tree whose draft folder is gone goes with the draft (a folder
 * trashed or deleted outside Kaituhi took its history with it).
 */
async function recoverHistories(ctx: LibraryContext, journal: Journal, buffers: OpenBuffers): Promise<string[]> {
  const { entries, unreadable } = await journal.readAllHistories();
  for (const entry of entries) {
    const id = checkedId(entry.id, unreadable);
    if (id === null) continue;
    if (buffers.has(id)) {
      buffers.adoptHistory(id, entry.tree);
      continue;
    }
    try {
      if (await pathExists(ctx.fs, join(ctx.root, id))) await writeHistory(ctx.fs, ctx.root, id, entry.tree, false, ctx.clock.now());
      await journal.removeHistory(id);
    } catch {
      // Left in the journal: the next start tries again, and the draft opens meanwhile.
    }
  }
  return unreadable;
}

/** A journal entry's draft id, or null (with the entry named among the unreadable) when it is not one. */
function checkedId(entryId: string, unreadable: string[]): string | null {
  try {
    return checkId(entryId);
  } catch {
    unreadable.push(entryId);
    return null;
  }
}
