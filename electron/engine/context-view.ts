/**
 * What the context inspector and `kaituhi generate --show-context` show: the window the next request will run on,
 * built by the generator's own assembly (promptContext, context-window.ts), with each part's text, and how much of
 * it the decoder's caches hold. Reading it changes nothing: not the cache, not the lore activation.
 */
import { promptContext } from './generate.js';
import { loreStateOf } from './lore-activation.js';
import type { LoadedModel } from './model/load-model.js';
import { plannedReuse } from './runtime/decoder.js';
import type { ContextView, ContextViewSegment, PrefillRequest } from './types.js';

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
  let rereadFrom: ContextView['rereadFrom'] = null;
  if (model.decoder.cachedTokens.length > 0 && reused < prompt.tokens.length - 1) {
    let at = 0;
    for (const segment of segments) {
      if (reused < at + segment.tokenIds.length) {
        if (segment.source === 'memory') rereadFrom = { source: 'memory', change: 'edited' };
        else if (segment.source === 'lore' && segment.entryId) {
          // An entry the last request had active was edited (or one before it was); any other just came in.
          const change = loreStateOf(model).active.has(segment.entryId) ? 'edited' : 'entered';
          rereadFrom = { source: 'lore', entryId: segment.entryId, title: segment.title ?? '', change };
        }
        break;
      }
      at += segment.tokenIds.length;
    }
  }
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
