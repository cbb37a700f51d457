/**
 * Assembles the model's input from the pinned memory and the end of the document.
 *
 * Two goals pull against each other: use as much of the document as fits, and keep the start of the window
 * identical while the writer types at the end, because the prefix cache can only reuse K/V for an unchanged
 * token prefix. So the window's start moves only in large, aligned steps:
 *
 * 1. Characters: a long document is cut before tokenizing (tokenizing 10 MB per keystroke is out of the question)
 *    at an offset that is a multiple of `charChunk` from the document start, keeping at least `window * 8`
 *    characters, then snapped forward to the next whitespace so no word is split (GPT-2's tokens carry their
 *    leading space, so the cut lands where a token would start anyway). The offset only moves when the document
 *    grows by a whole chunk. Should the kept text still be too short in tokens (very long tokens such as runs of
 *    dashes), the kept span doubles until it fills the window or reaches the document start.
 * 2. Tokens: if the cut text is still longer than the budget, a multiple of `slideTokens` is dropped from its
 *    front: ceil(excess / slideTokens) * slideTokens. Appending text moves the start only when the excess crosses
 *    the next multiple, so for about `slideTokens` tokens of typing the retained prefix stays identical.
 *
 * Memory is tokenized on its own and pinned before the text. It may use at most half the window (and never more
 * than the budget); a longer memory loses tokens from its start, reported in `memoryDroppedTokens`.
 */

export interface AssembledContext {
  /** Memory tokens followed by text tokens; length <= window - reserve. */
  tokens: number[];
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
}

/** The token step the window's start moves in (a multiple of it is dropped from the front). */
export const SLIDE_TOKENS = 256;
/** Characters kept per window position before tokenizing: English runs about 4 characters per GPT-2 token. */
const CHARS_PER_POSITION = 8;
const DEFAULT_CHAR_CHUNK = 2048;

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
  const budget = window - Math.max(0, Math.floor(opts.reserve));
  if (!(budget > 0)) throw new RangeError(`assembleContext: reserve ${opts.reserve} leaves no room in a window of ${opts.window}`);
  const charChunk = Math.max(1, Math.floor(opts.charChunk ?? DEFAULT_CHAR_CHUNK));

  let memory = opts.memory ? encode(opts.memory) : [];
  const memoryCap = Math.min(Math.floor(window / 2), budget);
  const memoryDroppedTokens = Math.max(0, memory.length - memoryCap);
  if (memoryDroppedTokens > 0) memory = memory.slice(memoryDroppedTokens);
  const textBudget = budget - memory.length;

  // Half the text budget at most, so that a slide always leaves a useful amount of text.
  const slide = Math.max(1, Math.min(Math.floor(opts.slideTokens ?? SLIDE_TOKENS), Math.floor(textBudget / 2)));

  if (textBudget <= 0 || text.length === 0) {
    return {
      tokens: memory,
      memoryTokens: memory.length,
      memoryDroppedTokens,
      droppedChars: textBudget <= 0 ? text.length : 0,
      droppedTokens: 0,
    };
  }

  let keepChars = Math.max(window, 1) * CHARS_PER_POSITION;
  let start: number;
  let textTokens: number[];
  for (;;) {
    start = cutOffset(text, keepChars, charChunk);
    textTokens = encode(start === 0 ? text : text.slice(start));
    if (textTokens.length >= textBudget || start === 0) break;
    keepChars *= 2;
  }

  let droppedTokens = 0;
  if (textTokens.length > textBudget) {
    droppedTokens = Math.ceil((textTokens.length - textBudget) / slide) * slide;
    textTokens = textTokens.slice(droppedTokens);
  }

  const tokens = memory.length === 0 ? textTokens : memory.concat(textTokens);
  return { tokens, memoryTokens: memory.length, memoryDroppedTokens, droppedChars: start, droppedTokens };
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
