/** What the generator needs from a model, whichever graph layout runs underneath. */
export interface Decoder {
  readonly vocabSize: number;
  readonly contextWindow: number;
  /** Tokens whose K/V are cached, in order. */
  readonly cachedTokens: readonly number[];
  /** Caches `tokens` (reusing the longest common prefix) and returns the logits after the last one. */
  setContext(tokens: readonly number[]): Promise<{ logits: Float32Array; reused: number }>;
  /**
   * Caches `tokens` like setContext, reusing at most the first `from` of them, and returns the logits after each
   * position from `from` on: [tokens.length - from, V]. What scoring a text reads (0 <= from < tokens.length).
   */
  contextLogits(tokens: readonly number[], from: number): Promise<{ logits: Float32Array; reused: number }>;
  /**
   * Runs each sequence right after the cached context, as one batch over it, and returns for each the logits after
   * the positions `at` names (indices into that sequence). The cached context stays; a generation in progress ends.
   * What the joining score of candidates against the text after the cursor reads.
   */
  continuationLogits(sequences: readonly (readonly number[])[], at: readonly (readonly number[])[]): Promise<Float32Array[]>;
  startGeneration(batch: number, maxNewTokens: number): void;
  /** One token per candidate in; logits [batch, V] out. */
  step(tokens: readonly number[]): Promise<Float32Array>;
  /** Keeps only these candidates (indices into the current batch), in this order. */
  keepCandidates(keep: readonly number[]): void;
  /**
   * Optional: fills a second context cache with `tokens`, at most `maxNewTokens` per call, for setContext to
   * swap in when a later context shares more with it (a window slide prepared in the background). Does nothing
   * while fewer than `minNewTokens` are missing. True when there is nothing more to do now.
   */
  prepareSpare?(tokens: readonly number[], maxNewTokens: number, minNewTokens?: number): Promise<boolean>;
  /** Optional, with prepareSpare: the tokens whose K/V the spare context holds. */
  readonly spareTokens?: readonly number[];
}

/**
 * How many leading tokens of `next` can keep their cached K/V. The last token always runs again, because
 * its logits are what the caller needs and the cache holds K/V, not logits.
 */
export function reusablePrefix(cached: readonly number[], next: readonly number[]): number {
  let n = 0;
  while (n < cached.length && n < next.length - 1 && cached[n] === next[n]) n++;
  return n;
}

/** The checks every decoder's contextLogits makes: a context that fits the window, and logits asked from within it. */
export function checkContextLogits(tokens: readonly number[], from: number, contextWindow: number): void {
  if (tokens.length === 0) throw new Error('the context needs at least one token');
  if (tokens.length > contextWindow) throw new Error(`context of ${tokens.length} tokens exceeds the window of ${contextWindow}`);
  if (!Number.isInteger(from) || from < 0 || from >= tokens.length)
    throw new RangeError(`logits from position ${from} of ${tokens.length}`);
}

/** How many leading tokens of `next` the decoder will take from a cache, the spare one included (as setContext chooses). */
export function plannedReuse(decoder: Decoder, next: readonly number[]): number {
  return Math.max(reusablePrefix(decoder.cachedTokens, next), reusablePrefix(decoder.spareTokens ?? [], next));
}
