/**
 * Which end of a long draft a prompt carries. Sending all of a 10 MB draft before the cursor cost a 10 MB
 * string per suggestion; the engine keeps only about the last 1024 tokens anyway. The editor's prompts and
 * the cache warm-up when a draft opens both cut here, so the engine sees the same text from both.
 */

/** Prompts start at a multiple of this from the document's start, so the start stays put while the writer types. */
export const PROMPT_CHUNK_CHARS = 65_536;
/** Far more than 1024 positions ever take (about 4 characters a token); the engine cuts the rest itself. */
export const PROMPT_KEEP_CHARS = 4 * PROMPT_CHUNK_CHARS;

/**
 * Where the text sent as a prompt begins. The start is a multiple of PROMPT_CHUNK_CHARS, itself a multiple of
 * the engine's own 2048-character cut (engine/context-window.ts), and at least PROMPT_KEEP_CHARS back, so the
 * engine cuts the tail at the very place it would have cut the whole text: the same tokens, and its prefix
 * cache still holds while the writer types.
 */
export function promptStart(cursorOffset: number): number {
  return Math.max(0, Math.floor((cursorOffset - PROMPT_KEEP_CHARS) / PROMPT_CHUNK_CHARS) * PROMPT_CHUNK_CHARS);
}
