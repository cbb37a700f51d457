/**
 * `kaituhi generate`'s story context: --memory, --note, --note-depth and --lorebook build the same request fields the
 * app sends, and --show-context prints the window the engine assembles from them (the inspector's view) as JSON,
 * so the assembly can be checked from outside.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { MAX_MEMORY_CHARS } from '../../common/drafts.js';
import { errorMessage } from '../../common/error-message.js';
import { importLorebook } from '../../common/lore-formats.js';
import { DEFAULT_NOTE, NOTE_LIMITS, type AuthorNote, type Lorebook } from '../../common/lore.js';
import type { ContextView } from '../../engine/types.js';
import { UsageError } from '../command.js';

export const storyContextOptions = {
  memory: { type: 'string' },
  note: { type: 'string' },
  'note-depth': { type: 'string' },
  lorebook: { type: 'string' },
  'show-context': { type: 'boolean', default: false },
} as const;

export const storyContextHelp = [
  '  --memory TEXT            story memory, pinned at the start of the window',
  `  --note TEXT              an author's note, wrapped in "${DEFAULT_NOTE.prefix}… ${DEFAULT_NOTE.suffix.trim()}" and placed a few paragraphs before the end`,
  `  --note-depth N           how many paragraphs back the note goes (default ${NOTE_LIMITS.depth.default})`,
  '  --lorebook FILE          lore entries that enter the window when their keys occur in the recent text: a Kaituhi',
  "                           lorebook, NovelAI's .lorebook, or SillyTavern's or KoboldAI's World Info JSON",
  '  --show-context           print the assembled window as JSON ({segments: [{source, entry?, text, tokenIds}],',
  '                           budget, leftOut}) and generate nothing',
];

interface StoryValues {
  memory?: string;
  note?: string;
  'note-depth'?: string;
  lorebook?: string;
}

/** The request's memory, note and lorebook from the command line; a bad value or file says what is wrong. */
export async function storyContextFrom(values: StoryValues): Promise<{ memory?: string; note?: AuthorNote; lorebook?: Lorebook }> {
  if (values.memory !== undefined && values.memory.length > MAX_MEMORY_CHARS) {
    throw new UsageError(`--memory may hold at most ${MAX_MEMORY_CHARS} characters`);
  }
  let note: AuthorNote | undefined;
  if (values.note !== undefined) {
    if (values.note.length > NOTE_LIMITS.textChars) throw new UsageError(`--note may hold at most ${NOTE_LIMITS.textChars} characters`);
    note = { ...DEFAULT_NOTE, text: values.note };
  }
  if (values['note-depth'] !== undefined) {
    const depth = Number(values['note-depth']);
    const { min, max } = NOTE_LIMITS.depth;
    if (!Number.isInteger(depth) || depth < min || depth > max) {
      throw new UsageError(`--note-depth must be a whole number of paragraphs from ${min} to ${max}, got "${values['note-depth']}"`);
    }
    if (!note) throw new UsageError('--note-depth places a note: give the note with --note');
    note = { ...note, depth };
  }
  let lorebook: Lorebook | undefined;
  if (values.lorebook !== undefined) {
    let text: string;
    try {
      text = await readFile(values.lorebook, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the lorebook ${values.lorebook}: ${errorMessage(error)}`, { cause: error });
    }
    try {
      lorebook = importLorebook(text, randomUUID).lorebook;
    } catch (error) {
      throw new Error(`${values.lorebook}: ${errorMessage(error)}`, { cause: error });
    }
  }
  return { ...(values.memory ? { memory: values.memory } : {}), ...(note ? { note } : {}), ...(lorebook ? { lorebook } : {}) };
}

/** --show-context's JSON: each part in order, the budget of window positions, and what was left out and why. */
export function contextJson(view: ContextView): string {
  const segments = view.segments.map((s) => ({
    source: s.source,
    ...(s.entryId !== undefined ? { entry: s.title, entryId: s.entryId } : {}),
    text: s.text,
    tokenIds: s.tokenIds,
  }));
  const leftOut = view.leftOut.map(({ entryId, title, ...rest }) => ({
    ...rest,
    ...(entryId !== undefined ? { entry: title, entryId } : {}),
  }));
  return `${JSON.stringify({ contextWindow: view.contextWindow, segments, budget: view.budget, leftOut }, null, 2)}\n`;
}
