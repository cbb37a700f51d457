/**
 * What the context inspector and `kaituhi generate --show-context` show: the window the next request will run on,
 * built by the generator's own assembly (promptContext, context-window.ts), with each part's text, and how much of
 * it the decoder's caches hold. Reading it changes nothing: not the cache, not the lore activation.
 */
import { promptContext } from './generate.js';
import type { LoadedModel } from './model/load-model.js';
import { plannedReuse } from './runtime/decoder.js';
import type { ContextView, ContextViewSegment, PrefillRequest } from './types.js';
import { heldWindowHead, type HeldPart } from './window-head.js';

export function inspectContextWith(model: LoadedModel, request: PrefillRequest): ContextView {
  const prompt = promptContext(model, request);
  const { assembled } = prompt;
  const describe = (segment: Omit<ContextViewSegment, 'text' | 'pieces'>): ContextViewSegment => {
    const stream = model.tokenizer.createStreamDecoder();
    const pieces = segment.tokenIds.map((id) => stream.push(id));
    const rest = stream.flush();
    if (rest && pieces.length > 0) pieces[pieces.length - 1] += rest;
    return { ...segment, text: pieces.join(''), pieces };
  };
  const segments: ContextViewSegment[] = [];
  if (prompt.lead !== null) segments.push(describe({ source: 'start', tokenIds: [prompt.lead] }));
  for (const segment of assembled.segments) {
    segments.push(
      describe({
        source: segment.source,
        ...(segment.entryId !== undefined ? { entryId: segment.entryId, title: segment.title ?? segment.entryId } : {}),
        tokenIds: segment.tokens,
      }),
    );
  }

  const reused = plannedReuse(model.decoder, prompt.tokens);
  const { cachedTokens } = model.decoder;
  const held = heldWindowHead(model, cachedTokens);
  const rereadFrom = cachedTokens.length > 0 && held && reused < prompt.tokens.length - 1 ? changeAt(reused, held, segments) : null;
  return {
    contextWindow: model.decoder.contextWindow,
    segments,
    budget: { start: prompt.lead === null ? 0 : 1, ...assembled.budget },
    leftOut: assembled.leftOut,
    promptTokens: prompt.tokens.length,
    reusedTokens: reused,
    rereadFrom,
  };
}

/**
 * Which change to memory or lore the re-read from `position` comes from, comparing the part the cache holds there
 * with the part the next window has there. A part the next window lacks is named from the cache's record: memory
 * cleared, or an entry that left (its key out of reach, disabled or deleted). Null when the re-read starts in the
 * story or the note: typing and the note moving with it are the ordinary cost of a suggestion.
 */
function changeAt(position: number, held: readonly HeldPart[], segments: readonly ContextViewSegment[]): ContextView['rereadFrom'] {
  const was = partAt(held, (part) => part.tokens, position);
  const now = partAt(segments, (segment) => segment.tokenIds.length, position);
  if (was?.source === 'memory' || now?.source === 'memory') {
    return { source: 'memory', change: segments.some((s) => s.source === 'memory') ? 'edited' : 'removed' };
  }
  const gone = was?.entryId;
  if (gone !== undefined && !segments.some((s) => s.entryId === gone)) {
    return { source: 'lore', entryId: gone, title: was?.title ?? gone, change: 'left' };
  }
  if (now?.source === 'lore' && now.entryId !== undefined) {
    // An entry the cache holds was edited (or one before it was); any other comes in.
    const change = held.some((part) => part.entryId === now.entryId) ? 'edited' : 'entered';
    return { source: 'lore', entryId: now.entryId, title: now.title ?? now.entryId, change };
  }
  return null;
}

/** The part that covers window position `position`, or undefined past the last one. */
function partAt<T>(parts: readonly T[], length: (part: T) => number, position: number): T | undefined {
  let end = 0;
  for (const part of parts) {
    end += length(part);
    if (position < end) return part;
  }
  return undefined;
}
