/**
 * The head of the window the prefix cache holds, per loaded model: the start marker, memory and each lore entry of
 * the last request that ran, with its length in tokens. A change there makes the next suggestion re-read the
 * window; when the change took a part out (memory cleared, an entry gone from the window), the next request's own
 * assembly no longer has that part, so the inspector reads its name here (context-view.ts).
 */
import type { ContextSegment } from './context-window.js';

export interface HeldPart {
  readonly source: 'start' | 'memory' | 'lore';
  /** Lore only: the entry's id and title as that request placed them (the entry may since be deleted). */
  readonly entryId?: string;
  readonly title?: string;
  readonly tokens: number;
}

interface WindowHead {
  /** The head's own tokens: it describes the cache only while the cache still starts with them. */
  readonly tokens: readonly number[];
  readonly parts: readonly HeldPart[];
}

const heads = new WeakMap<object, WindowHead>();

/** Records the head of a window just put into the model's cache (`lead`: the start marker, or null). */
export function holdWindowHead(
  model: object,
  prompt: { readonly lead: number | null; readonly assembled: { readonly segments: readonly ContextSegment[] } },
): void {
  const tokens: number[] = [];
  const parts: HeldPart[] = [];
  if (prompt.lead !== null) {
    tokens.push(prompt.lead);
    parts.push({ source: 'start', tokens: 1 });
  }
  for (const segment of prompt.assembled.segments) {
    if (segment.source !== 'memory' && segment.source !== 'lore') break;
    tokens.push(...segment.tokens);
    parts.push({
      source: segment.source,
      ...(segment.entryId !== undefined ? { entryId: segment.entryId, title: segment.title ?? segment.entryId } : {}),
      tokens: segment.tokens.length,
    });
  }
  heads.set(model, { tokens, parts });
}

/**
 * The parts of the head `cached` begins with, or null when no request recorded one or the cache has since been
 * filled with something else (scoring runs its own texts through it).
 */
export function heldWindowHead(model: object, cached: readonly number[]): readonly HeldPart[] | null {
  const head = heads.get(model);
  if (!head || head.tokens.length > cached.length) return null;
  return head.tokens.every((token, i) => cached[i] === token) ? head.parts : null;
}
