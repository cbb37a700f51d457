/**
 * A draft's history tree on disk: history.json in the draft folder, beside text.md and draft.json. It travels
 * with the folder (trash, restore) and no export reads it. Read field by field like draft.json: a damaged
 * file costs the history, never the draft, and is kept aside for a human before it is overwritten.
 */
import { join } from 'node:path';
import { emptyHistory, historyTreeSchema, repairHistory, type HistoryTree } from '../common/history.js';
import { atomicWrite } from '../disk/atomic-write.js';
import { isErrno } from '../disk/errno.js';
import type { DiskFs } from '../disk/fs-layer.js';
import { compactTimestamp } from './clock.js';
import { toDraftError } from './errors.js';

export const HISTORY_FILE = 'history.json';

export function historyPath(root: string, id: string): string {
  return join(root, id, HISTORY_FILE);
}

export interface LoadedHistory {
  tree: HistoryTree;
  /** What could not be read, in words; empty when all was well. */
  problems: string[];
}

/** A missing file is an empty history (every draft written before the tree existed). */
export async function readHistory(fs: DiskFs, root: string, id: string): Promise<LoadedHistory> {
  const path = historyPath(root, id);
  let raw: string;
  try {
    raw = (await fs.readFile(path)).toString('utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { tree: emptyHistory(), problems: [] };
    return { tree: emptyHistory(), problems: [toDraftError(err, 'read the history of this draft', path).message] };
  }
  const parsed = parseHistory(raw);
  if (parsed) return { tree: parsed, problems: [] };
  return {
    tree: emptyHistory(),
    problems: [`${HISTORY_FILE} could not be read; the history starts again and the old file is kept beside it`],
  };
}

/** The tree in a history file or a journal entry, made consistent; null when it is not one. */
export function parseHistory(raw: string): HistoryTree | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = historyTreeSchema.safeParse(json);
  return parsed.success ? repairHistory(parsed.data) : null;
}

/** Writes the tree atomically inside the library; an unreadable file it replaces is renamed aside first. */
export async function writeHistory(
  fs: DiskFs,
  root: string,
  id: string,
  tree: HistoryTree,
  preserveUnreadable: boolean,
  nowMs: number,
): Promise<void> {
  const path = historyPath(root, id);
  if (preserveUnreadable) {
    await fs.rename(path, `${path}.unreadable-${compactTimestamp(nowMs)}`).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
  await atomicWrite(fs, path, JSON.stringify(tree), { within: root });
}
