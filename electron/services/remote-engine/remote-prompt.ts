/**
 * How much of the text before the cursor goes to a server. Kaituhi has no tokenizer for a server's model, so the
 * prompt is sized in characters from the characters per token the server's own counts have shown (its `usage`),
 * starting from a cautious guess; a server that still says the prompt is too long gets half of it once more.
 *
 * The prompt starts at a multiple of PROMPT_STEP_CHARS into the text, moved forward to the next whitespace, so
 * while the writer types at the end the start stays put and the server's prefix cache (llama.cpp's, vLLM's,
 * Kaituhi's) keeps working, as the local engine's window does.
 *
 * The lore and the author's note reach a server as text: the local engine's activation (with its hysteresis) picks
 * the entries, and their budget and the note's depth in tokens are turned into characters by the same ratio.
 */
import { LORE_LIMITS, noteInUse } from '../../common/lore.js';
import type { GenerateRequest } from '../../common/generation.js';
import { activateLore, noteText, paragraphsBack, type LoreState } from '../../engine/index.js';

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

  /** Characters per token, as the server's counts have shown (a cautious guess before). */
  get charsPerToken(): number {
    return this.#charsPerToken;
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

/** What a request's story context becomes for a server: text pinned ahead (memory, then lore) and the story with its note. */
export interface ServerStory {
  readonly pinned: string;
  readonly text: string;
  /** The lore activation this request ran with: the next request starts from it. */
  readonly loreState: LoreState;
}

/**
 * The memory and active lore to pin ahead of the story, and the story with the author's note in it, as the local
 * assembly places them: lore in the order it came on, chosen by priority within the lore budget; the note
 * `depth` paragraphs (or about `depth` tokens) before the end.
 */
export function storyForServer(request: GenerateRequest, previous: LoreState, charsPerToken: number): ServerStory {
  const memory = request.memory ?? '';
  const activation = activateLore(request.lorebook?.entries ?? [], request.context, previous);
  const room = (request.lorebook?.budget ?? LORE_LIMITS.budget.default) * charsPerToken;
  const placed = new Set<string>();
  let used = 0;
  const byPriority = [...activation.active].sort((a, b) => b.entry.priority - a.entry.priority || a.order - b.order);
  for (const { entry } of byPriority) {
    const cost = entry.text.trim().length + 1;
    if (used + cost > room) continue;
    placed.add(entry.id);
    used += cost;
  }
  const lore = activation.active
    .filter(({ entry }) => placed.has(entry.id))
    .map(({ entry }) => `${entry.text.trim()}\n`)
    .join('');
  const pinned = lore && memory && !memory.endsWith('\n') ? `${memory}\n${lore}` : memory + lore;
  let text = request.context;
  if (noteInUse(request.note) && text.length > 0) {
    const at =
      request.note.unit === 'paragraphs'
        ? paragraphsBack(text, request.note.depth)
        : Math.max(0, text.length - Math.round(request.note.depth * charsPerToken));
    text = text.slice(0, at) + noteText(request.note) + text.slice(at);
  }
  return { pinned, text, loreState: activation.state };
}
