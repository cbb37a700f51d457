/**
 * The one assembly of the model's input: pinned memory, then the active lorebook entries, then the end of the
 * story with the author's note inserted a few paragraphs before its end. Generation, the background slide, the
 * context inspector and `kaituhi generate --show-context` all call assembleContext; nothing else lays out a window.
 *
 * Stable parts come first, because the prefix cache can only reuse K/V for an unchanged token prefix: memory
 * changes when the writer edits it, lore when an entry turns on or off (in the order entries became active, so a
 * new one goes after those already there; see lore-activation.ts for the hysteresis that keeps that rare), the
 * note moves when a paragraph starts, and the story's end changes with every word.
 *
 * The story's window start moves only in large, aligned steps, so that typing at the end keeps it:
 *
 * 1. Characters: a long document is cut before tokenizing (tokenizing 10 MB per keystroke is out of the question)
 *    at an offset that is a multiple of `charChunk` from the document start, keeping at least `window * 8`
 *    characters, then snapped forward to the next whitespace so no word is split (GPT-2's tokens carry their
 *    leading space, so the cut lands where a token would start anyway). The offset only moves when the document
 *    grows by a whole chunk. Should the kept text still be too short in tokens (very long tokens such as runs of
 *    dashes), the kept span doubles until it fills the window or reaches the document start.
 * 2. Tokens: if the cut text is still longer than the story's budget, a multiple of `slideTokens` is dropped from
 *    its front: ceil(excess / slideTokens) * slideTokens. Appending text moves the start only when the excess
 *    crosses the next multiple, so for about `slideTokens` tokens of typing the retained prefix stays identical.
 *
 * Budget, in window positions: `reserve` stays free for the continuation; memory takes at most half the window (a
 * longer memory loses tokens from its start); the note at most an eighth; lore at most the lorebook's budget; and
 * neither lore nor the note may leave the story less than a quarter of the window. When more entries are active
 * than fit, the highest priority go in (then those active longest); every part left out is listed with its reason.
 */
import { LORE_LIMITS, noteInUse, type AuthorNote, type LoreEntry, type Lorebook } from '../common/lore.js';
import { activateLore, NO_LORE_STATE, type LoreState } from './lore-activation.js';

export type ContextSource = 'memory' | 'lore' | 'note' | 'story';

export interface ContextSegment {
  readonly source: ContextSource;
  /** Lore only: which entry, and its title (its first key when it has none). */
  readonly entryId?: string;
  readonly title?: string;
  readonly tokens: number[];
}

export interface LeftOutItem {
  readonly source: ContextSource;
  readonly entryId?: string;
  readonly title?: string;
  /** 'over-budget': it did not fit its share of the window; 'before-window': story text before the window's start. */
  readonly reason: 'over-budget' | 'before-window';
  /** Tokens not placed (for the story: tokens dropped from the front of the kept text). */
  readonly tokens: number;
  /** The story only: characters cut before tokenizing. */
  readonly chars?: number;
}

/** Window positions by use. */
export interface ContextBudget {
  readonly memory: number;
  readonly lore: number;
  readonly note: number;
  readonly story: number;
  /** Kept free for the continuation. */
  readonly reserved: number;
}

export interface AssembledContext {
  /** Every segment's tokens in order; length <= window - reserve. */
  tokens: number[];
  segments: ContextSegment[];
  leftOut: LeftOutItem[];
  budget: ContextBudget;
  /** The lore activation after this text: the next request's hysteresis starts from it once this one runs. */
  loreState: LoreState;
  /** The first segment starts at its own beginning (memory untruncated, or lore, or the story from its start). */
  startsWhole: boolean;
  /** How many of `tokens` are memory (after any truncation). */
  memoryTokens: number;
  /** Memory tokens cut from the memory's start because it exceeded half the window. */
  memoryDroppedTokens: number;
  /** Characters of `text` cut before tokenizing. */
  droppedChars: number;
  /** Tokens of the cut text then dropped from its front to fit (a multiple of the slide step). */
  droppedTokens: number;
}

export interface AssembleOptions {
  memory?: string;
  note?: AuthorNote;
  lorebook?: Lorebook;
  /** Which entries were active before this text (hysteresis); none by default. */
  loreState?: LoreState;
  text: string;
  encode: (s: string) => number[];
  /** The model's context length (1024 for GPT-2). */
  window: number;
  /** Positions kept free for the tokens to generate. */
  reserve: number;
  /** Token granularity of the window's start. Default 256. */
  slideTokens?: number;
  /** Character granularity of the pre-tokenization cut. Default 2048. */
  charChunk?: number;
  /**
   * Start the story here instead of fitting it: the window a later, longer text will slide to, laid over the text
   * as it is now (how the background slide knows which tokens it can prepare already).
   */
  storyStart?: { readonly chars: number; readonly tokens: number };
}

/** The token step the window's start moves in (a multiple of it is dropped from the front). */
export const SLIDE_TOKENS = 256;
/** Characters kept per window position before tokenizing: English runs about 4 characters per GPT-2 token. */
const CHARS_PER_POSITION = 8;
const DEFAULT_CHAR_CHUNK = 2048;
/** Shares of the window: memory at most half, the note at most an eighth, the story at least a quarter. */
const MEMORY_SHARE = 1 / 2;
const NOTE_SHARE = 1 / 8;
const STORY_FLOOR_SHARE = 1 / 4;

/**
 * Where a suffix of a text of `length` characters may start and still place the window as the whole text does
 * (for windows of ordinary tokens): a chunk-aligned offset four times the kept span back from the end. Lets a
 * caller that places windows many times over a long draft work on the suffix, not the whole draft.
 */
export function placementSuffixStart(length: number, window: number): number {
  const margin = 4 * Math.max(window, 1) * CHARS_PER_POSITION + DEFAULT_CHAR_CHUNK;
  return Math.max(0, Math.floor((length - margin) / DEFAULT_CHAR_CHUNK) * DEFAULT_CHAR_CHUNK);
}
/** How far to look for whitespace when snapping the cut; a longer unbroken run is cut mid-run. */
const SNAP_LIMIT = 1024;

export function assembleContext(opts: AssembleOptions): AssembledContext {
  const { text, encode } = opts;
  const window = Math.floor(opts.window);
  const reserve = Math.max(0, Math.floor(opts.reserve));
  const budget = window - reserve;
  if (!(budget > 0)) throw new RangeError(`assembleContext: reserve ${opts.reserve} leaves no room in a window of ${opts.window}`);
  const charChunk = Math.max(1, Math.floor(opts.charChunk ?? DEFAULT_CHAR_CHUNK));
  const storyFloor = Math.floor(window * STORY_FLOOR_SHARE);
  const leftOut: LeftOutItem[] = [];

  let memory = opts.memory ? encode(opts.memory) : [];
  const memoryCap = Math.min(Math.floor(window * MEMORY_SHARE), budget);
  const memoryDroppedTokens = Math.max(0, memory.length - memoryCap);
  if (memoryDroppedTokens > 0) {
    memory = memory.slice(memoryDroppedTokens);
    leftOut.push({ source: 'memory', reason: 'over-budget', tokens: memoryDroppedTokens });
  }

  // The note's room is decided before the lore's: it is one short text the writer placed on purpose.
  let note: { tokens: number[]; note: AuthorNote } | null = null;
  if (noteInUse(opts.note)) {
    const tokens = encode(noteText(opts.note));
    const room = Math.min(Math.floor(window * NOTE_SHARE), budget - memory.length - storyFloor);
    if (tokens.length <= room) note = { tokens, note: opts.note };
    else leftOut.push({ source: 'note', reason: 'over-budget', tokens: tokens.length });
  }
  const noteTokens = note?.tokens.length ?? 0;

  const activation = activateLore(opts.lorebook?.entries ?? [], text, opts.loreState ?? NO_LORE_STATE);
  const loreRoom = Math.max(
    0,
    Math.min(opts.lorebook?.budget ?? LORE_LIMITS.budget.default, budget - memory.length - noteTokens - storyFloor),
  );
  // Lore starts on a line of its own: after a memory that does not end in one, a newline opens it.
  const joiner = opts.memory && !opts.memory.endsWith('\n') ? encode('\n') : [];
  const placed = new Map<string, number[]>();
  let loreUsed = 0;
  const byPriority = [...activation.active].sort((a, b) => b.entry.priority - a.entry.priority || a.order - b.order);
  for (const { entry } of byPriority) {
    const tokens = encode(`${entry.text.trim()}\n`);
    const cost = tokens.length + (placed.size === 0 ? joiner.length : 0);
    if (loreUsed + cost <= loreRoom) {
      placed.set(entry.id, tokens);
      loreUsed += cost;
    } else leftOut.push({ source: 'lore', entryId: entry.id, title: entryLabel(entry), reason: 'over-budget', tokens: tokens.length });
  }
  const lore: ContextSegment[] = [];
  for (const { entry } of activation.active) {
    const tokens = placed.get(entry.id);
    if (!tokens) continue;
    lore.push({ source: 'lore', entryId: entry.id, title: entryLabel(entry), tokens: lore.length === 0 ? joiner.concat(tokens) : tokens });
  }

  const textBudget = budget - memory.length - loreUsed - noteTokens;
  const story = placeStory(opts, text, textBudget, note?.note ?? null, charChunk);
  if (story.droppedChars > 0 || story.droppedTokens > 0) {
    leftOut.push({ source: 'story', reason: 'before-window', tokens: story.droppedTokens, chars: story.droppedChars });
  }

  const segments: ContextSegment[] = [];
  if (memory.length > 0) segments.push({ source: 'memory', tokens: memory });
  segments.push(...lore);
  const storyBefore = story.tokens.slice(0, story.noteAt);
  const storyAfter = story.tokens.slice(story.noteAt);
  if (storyBefore.length > 0) segments.push({ source: 'story', tokens: storyBefore });
  if (note && story.tokens.length > 0) segments.push({ source: 'note', tokens: note.tokens });
  if (storyAfter.length > 0) segments.push({ source: 'story', tokens: storyAfter });

  const tokens: number[] = [];
  for (const segment of segments) for (const id of segment.tokens) tokens.push(id);
  const storyWhole = story.droppedChars === 0 && story.droppedTokens === 0;
  return {
    tokens,
    segments,
    leftOut,
    budget: {
      memory: memory.length,
      lore: loreUsed,
      note: note && story.tokens.length > 0 ? noteTokens : 0,
      story: story.tokens.length,
      reserved: reserve,
    },
    loreState: activation.state,
    startsWhole: memory.length > 0 ? memoryDroppedTokens === 0 : lore.length > 0 || storyWhole,
    memoryTokens: memory.length,
    memoryDroppedTokens,
    droppedChars: story.droppedChars,
    droppedTokens: story.droppedTokens,
  };
}

/** What the inspector calls an entry: its title, else its first key, else its id. */
function entryLabel(entry: LoreEntry): string {
  return entry.title.trim() || entry.keys[0] || entry.id;
}

/** The note as the model reads it: wrapped, on a line of its own. */
export function noteText(note: AuthorNote): string {
  const wrapped = `${note.prefix}${note.text.trim()}${note.suffix}\n`;
  // Tokens back may fall mid-line; paragraphs back always follow a line break.
  return note.unit === 'tokens' ? `\n${wrapped}` : wrapped;
}

interface PlacedStory {
  tokens: number[];
  /** Where among `tokens` the note goes (tokens.length: after them all). */
  noteAt: number;
  droppedChars: number;
  droppedTokens: number;
}

/** The end of the story that fits `textBudget` tokens, and where the note goes in it. */
function placeStory(opts: AssembleOptions, text: string, textBudget: number, note: AuthorNote | null, charChunk: number): PlacedStory {
  if (textBudget <= 0 || text.length === 0) {
    return { tokens: [], noteAt: 0, droppedChars: textBudget <= 0 ? text.length : 0, droppedTokens: 0 };
  }
  // Paragraphs back: the story is tokenized in two parts around the note's offset, so the part before it keeps
  // its tokens while the writer types after it.
  const noteOffset = note?.unit === 'paragraphs' ? paragraphsBack(text, note.depth) : -1;
  const encodeFrom = (start: number): { tokens: number[]; split: number } => {
    const kept = start === 0 ? text : text.slice(start);
    const at = noteOffset - start;
    if (noteOffset < 0 || at <= 0) return { tokens: opts.encode(kept), split: 0 };
    const before = opts.encode(kept.slice(0, at));
    return { tokens: before.concat(opts.encode(kept.slice(at))), split: before.length };
  };

  let start: number;
  let encoded: { tokens: number[]; split: number };
  let droppedTokens = 0;
  if (opts.storyStart) {
    start = Math.min(opts.storyStart.chars, text.length);
    encoded = encodeFrom(start);
    droppedTokens = Math.min(opts.storyStart.tokens, encoded.tokens.length);
  } else {
    // Half the story's budget at most, so that a slide always leaves a useful amount of text.
    const slide = Math.max(1, Math.min(Math.floor(opts.slideTokens ?? SLIDE_TOKENS), Math.floor(textBudget / 2)));
    let keepChars = Math.max(Math.floor(opts.window), 1) * CHARS_PER_POSITION;
    for (;;) {
      start = cutOffset(text, keepChars, charChunk);
      encoded = encodeFrom(start);
      if (encoded.tokens.length >= textBudget || start === 0) break;
      keepChars *= 2;
    }
    if (encoded.tokens.length > textBudget) droppedTokens = Math.ceil((encoded.tokens.length - textBudget) / slide) * slide;
  }
  const tokens = droppedTokens > 0 ? encoded.tokens.slice(droppedTokens) : encoded.tokens;
  let noteAt = tokens.length;
  if (note) noteAt = note.unit === 'tokens' ? Math.max(0, tokens.length - note.depth) : Math.max(0, encoded.split - droppedTokens);
  return { tokens, noteAt, droppedChars: start, droppedTokens };
}

/**
 * Where a note `depth` paragraphs back goes: after the depth-th line break (or run of them) from the end, so that
 * `depth` paragraphs follow it, the one being written included; 0 when the text has fewer.
 */
export function paragraphsBack(text: string, depth: number): number {
  let seen = 0;
  let i = text.length - 1;
  while (i >= 0) {
    if (text.charCodeAt(i) === 10) {
      const end = i + 1;
      while (i >= 0 && (text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i--;
      seen++;
      if (seen === depth) return end;
    } else i--;
  }
  return 0;
}

/** Start offset of the text to tokenize: chunk-aligned, then snapped forward to whitespace. */
function cutOffset(text: string, keepChars: number, charChunk: number): number {
  if (text.length <= keepChars) return 0;
  const aligned = Math.floor((text.length - keepChars) / charChunk) * charChunk;
  if (aligned === 0 || isSpace(text.charCodeAt(aligned - 1)) || isSpace(text.charCodeAt(aligned))) return aligned;
  const limit = Math.min(text.length, aligned + SNAP_LIMIT);
  for (let i = aligned + 1; i < limit; i++) {
    if (isSpace(text.charCodeAt(i))) return i;
  }
  // No whitespace nearby: at least do not split a surrogate pair.
  const code = text.charCodeAt(aligned);
  return code >= 0xdc00 && code <= 0xdfff ? aligned + 1 : aligned;
}

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    code === 10 ||
    code === 9 ||
    code === 13 ||
    code === 12 ||
    code === 11 ||
    code === 0xa0 ||
    code === 0x3000 ||
    (code >= 0x2000 && code <= 0x200a)
  );
}
