/**
 * How much of the text before the cursor goes to a server. Kaituhi has no tokenizer for a server's model, so the
 * prompt is sized in characters from the characters per token the server's own counts have shown (its `usage`),
 * starting from a cautious guess; a server that still says the prompt is too long gets half of it once more.
 *
 * The prompt starts at a multiple of PROMPT_STEP_CHARS into the text, moved forward to the next whitespace, so
 * while the writer types at the end the start stays put and the server's prefix cache (llama.cpp's, vLLM's,
 * Kaituhi's) keeps working, as the local engine's window does.
 */

/** Where the prompt's start may lie: it moves only when the writer has typed this much more. */
export const PROMPT_STEP_CHARS = 512;
/** Characters per token before the server has said: low enough for Chinese and Japanese under a byte-level BPE. */
const FIRST_CHARS_PER_TOKEN = 1;
/** A model's window, when the server does not say (GPT-2's). */
export const ASSUMED_CONTEXT_WINDOW = 1024;
/** Tokens left unused at the end of the window: the guess from past counts is only a guess. */
const SAFETY_TOKENS = 32;

export class PromptSizer {
  #charsPerToken = FIRST_CHARS_PER_TOKEN;
  #learned = false;

  /** The characters per token a prompt showed: the server counted `tokens` for `chars` characters. */
  learn(chars: number, tokens: number): void {
    if (!(tokens > 0) || chars < 256) return;
    // The lowest ratio seen lately wins: a prompt of long words must not make the next one of short ones overflow.
    const seen = chars / tokens;
    this.#charsPerToken = this.#learned ? Math.min(seen, (this.#charsPerToken * 3 + seen) / 4) : seen;
    this.#learned = true;
  }

  /** The most characters a prompt may have for a request of `maxTokens` on a window of `contextWindow`. */
  budget(contextWindow: number | null, maxTokens: number): number {
    const tokens = Math.max(16, (contextWindow ?? ASSUMED_CONTEXT_WINDOW) - maxTokens - SAFETY_TOKENS);
    return Math.floor(tokens * this.#charsPerToken * 0.9);
  }
}

/**
 * The prompt for a text and its pinned memory within `budgetChars`: the memory (at most half the budget, its end
 * kept) and then as much of the end of the text as fits, starting at a stable place.
 */
export function remotePrompt(text: string, memory: string, budgetChars: number): string {
  const memoryPart = memory.length > budgetChars / 2 ? memory.slice(memory.length - Math.floor(budgetChars / 2)) : memory;
  const room = Math.max(0, budgetChars - memoryPart.length);
  if (text.length <= room) return memoryPart + text;
  let start = Math.ceil((text.length - room) / PROMPT_STEP_CHARS) * PROMPT_STEP_CHARS;
  // Start on a word: GPT-style tokens carry their leading space, so the cut lands where a token would start anyway.
  const space = text.slice(start, start + 64).search(/\s/);
  if (space > 0) start += space;
  return memoryPart + text.slice(start);
}
