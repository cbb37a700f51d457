import { diffChars, diffLines, diffWordsWithSpace, type Change } from 'diff';
import { countWords } from '../common/word-count.js';

export interface DiffChunk {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

export interface TextDiff {
  chunks: DiffChunk[];
  wordsAdded: number;
  wordsRemoved: number;
  /** True when the texts were too different to diff in time and the result is a plain replace. */
  coarse: boolean;
}

const refineLimit = 50_000;
const noSpaceScripts = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

function kindOf(c: Change): DiffChunk['kind'] {
  return c.added ? 'added' : c.removed ? 'removed' : 'same';
}

/** Prose lives in long lines (one per paragraph), so a changed paragraph is re-diffed by words to show what changed in it. */
function refine(removed: string, added: string): DiffChunk[] {
  if (removed.length + added.length > refineLimit) {
    return [
      { kind: 'removed', text: removed },
      { kind: 'added', text: added },
    ];
  }
  const byChar = noSpaceScripts.test(removed) || noSpaceScripts.test(added);
  const parts = byChar ? diffChars(removed, added) : diffWordsWithSpace(removed, added);
  return parts.map((c) => ({ kind: kindOf(c), text: c.value }));
}

/** Compares a snapshot (old) with the current text (new), by line and then by word within changed lines. */
export function diffTexts(oldText: string, newText: string, timeoutMs = 3000): TextDiff {
  const lines = diffLines(oldText, newText, { timeout: timeoutMs });
  let chunks: DiffChunk[];
  let coarse = false;
  if (!lines) {
    coarse = true;
    chunks = [
      { kind: 'removed', text: oldText },
      { kind: 'added', text: newText },
    ];
  } else {
    chunks = [];
    for (let i = 0; i < lines.length; i++) {
      const c = lines[i]!;
      const next = lines[i + 1];
      if (c.removed && next?.added) {
        chunks.push(...refine(c.value, next.value));
        i++;
      } else {
        chunks.push({ kind: kindOf(c), text: c.value });
      }
    }
  }
  const merged: DiffChunk[] = [];
  for (const c of chunks) {
    if (c.text === '') continue;
    const last = merged[merged.length - 1];
    if (last && last.kind === c.kind) last.text += c.text;
    else merged.push({ ...c });
  }
  let wordsAdded = 0;
  let wordsRemoved = 0;
  for (const c of merged) {
    if (c.kind === 'added') wordsAdded += countWords(c.text);
    if (c.kind === 'removed') wordsRemoved += countWords(c.text);
  }
  return { chunks: merged, wordsAdded, wordsRemoved, coarse };
}
