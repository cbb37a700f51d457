/**
 * Scoring a text: every token's log-probability and rank under the model, each token reading as much of what
 * precedes it as fits GPT-2's window (the running context the model sees while the writer writes).
 *
 * The tokens are the memory, the preceding context (placed as a generation would place it) and then the text,
 * each tokenized on its own. A text longer than the window is read in windows that slide by SLIDE_TOKENS, like
 * the generation's: token i is read in the window starting at the first multiple of the step that still holds
 * everything from there to i, so every token sees at least a window less one step of preceding tokens, and a
 * window starts where a generation's would, so the prefix cache serves both. The memory (and a model's start
 * marker) stays pinned at the front of every window. A token with nothing at all before it (the first of a
 * document, no memory) is read after the end-of-text token, which is how GPT-2 saw the start of a document.
 *
 * The work is cut into chunks of at most SCORE_CHUNK_TOKENS positions run through the model: the engine serves a
 * waiting generation between two chunks (engine.ts), and the next chunk first restores the window's prefix in the
 * cache, reusing whatever the generation left of it.
 */
import { alternativesAt, tokenRank } from './alternatives.js';
import { assembleContext, SLIDE_TOKENS } from './context-window.js';
import type { LoadedModel } from './model/load-model.js';
import { tokenTexts } from './token-texts.js';
import type { ScoredToken, ScoreRequest, ScoreResult } from './types.js';

/**
 * Positions run per chunk: a generation waits for one chunk at most. 32 (like the background slide preparation's
 * chunks) halves the wait of 64 at no measurable cost in total (A/B in test/bench/NOTES.md).
 */
export const SCORE_CHUNK_TOKENS = 32;

export class TextScoring {
  readonly #model: LoadedModel;
  readonly #topAlternatives: number;
  /** The preceding context's tokens, then the text's: the sequence the windows slide over. */
  readonly #body: number[];
  /** Index in #body of the text's first token. */
  readonly #first: number;
  /** Tokens available to the body in one window: the window less the pinned memory and start marker's place. */
  readonly #room: number;
  readonly #memory: number[];
  /** Whether the start marker (when the model has one) goes before the memory, or before a window at the body's start. */
  readonly #memoryWhole: boolean;
  readonly #bodyAtDocumentStart: boolean;
  readonly #pieces: string[];
  readonly #offsets: number[];
  readonly #scored: ScoredToken[] = [];
  /** Index in #body of the next token to score. */
  #next: number;
  readonly #windows = new Set<number>();
  #chunks = 0;
  #reused: number | null = null;
  #contextTokens: number | null = null;
  #elapsedMs = 0;

  constructor(model: LoadedModel, request: ScoreRequest) {
    this.#model = model;
    this.#topAlternatives = request.topAlternatives ?? 0;
    const window = model.decoder.contextWindow - (model.tokenizer.startTokenId === null ? 0 : 1);
    const placed = assembleContext({ memory: request.memory, text: request.context, encode: model.encode, window, reserve: 0 });
    this.#memory = placed.tokens.slice(0, placed.memoryTokens);
    this.#memoryWhole = placed.memoryDroppedTokens === 0;
    this.#bodyAtDocumentStart = placed.droppedChars === 0 && placed.droppedTokens === 0;
    const text = model.encode(request.text);
    this.#body = placed.tokens.slice(placed.memoryTokens).concat(text);
    this.#first = this.#body.length - text.length;
    this.#next = this.#first;
    this.#room = window - this.#memory.length;
    const stream = model.tokenizer.createStreamDecoder();
    this.#pieces = text.map((id) => stream.push(id));
    this.#offsets = offsetsIn(request.text, this.#pieces);
  }

  get done(): boolean {
    return this.#next >= this.#body.length;
  }

  /** Where the window that reads body token i starts: the first multiple of the step that leaves room for i. */
  #windowStart(i: number): number {
    return Math.max(0, Math.ceil((i - this.#room) / SLIDE_TOKENS) * SLIDE_TOKENS);
  }

  /** What is pinned before a window starting at body index s: the start marker where it belongs, then the memory. */
  #pinned(s: number): number[] {
    const marker = this.#model.tokenizer.startTokenId;
    const atStart = this.#memory.length > 0 ? this.#memoryWhole : this.#bodyAtDocumentStart && s === 0;
    return marker !== null && atStart ? [marker, ...this.#memory] : this.#memory;
  }

  /** Runs at most SCORE_CHUNK_TOKENS positions through the model and scores the tokens they predict. */
  async step(): Promise<void> {
    if (this.done) return;
    const started = performance.now();
    const { decoder } = this.#model;
    const s = this.#windowStart(this.#next);
    this.#windows.add(s);
    const pinned = this.#pinned(s);
    // The window's tokens up to the last one whose prediction this window scores.
    const end = Math.min(this.#body.length, s + this.#room + 1);
    const target = pinned.concat(this.#body.slice(s, end - 1));
    // Logits at position p of target predict body token s + (p - pinned.length) + 1.
    const from = pinned.length + (this.#next - s) - 1;
    this.#contextTokens ??= from + 1;
    if (from < 0) {
      // Nothing precedes the document's first token: GPT-2 saw <|endoftext|> between documents.
      const { logits, reused } = await decoder.contextLogits([this.#model.eosTokenId ?? 0], 0);
      this.#reused ??= reused;
      this.#record(this.#next++, logits);
    } else {
      let common = 0;
      const cached = decoder.cachedTokens;
      while (common < cached.length && common < target.length && cached[common] === target[common]) common++;
      const runFrom = Math.min(common, from);
      const runTo = Math.min(target.length, runFrom + SCORE_CHUNK_TOKENS);
      if (runTo <= from) {
        // Still restoring the window's start in the cache: nothing to score in this chunk.
        const { reused } = await decoder.contextLogits(target.slice(0, runTo), runTo - 1);
        this.#reused ??= reused;
      } else {
        const { logits, reused } = await decoder.contextLogits(target.slice(0, runTo), from);
        this.#reused ??= reused;
        const V = decoder.vocabSize;
        for (let p = from; p < runTo; p++) this.#record(this.#next++, logits.subarray((p - from) * V, (p - from + 1) * V));
      }
    }
    this.#chunks++;
    this.#elapsedMs += performance.now() - started;
  }

  #record(bodyIndex: number, logits: Float32Array): void {
    const i = bodyIndex - this.#first;
    const tokenId = this.#body[bodyIndex]!;
    const n = this.#topAlternatives;
    const texts = n > 0 ? tokenTexts(this.#model.tokenizer) : [];
    const { logprob, top } = alternativesAt(logits, n, tokenId, (id) => texts[id] ?? '');
    this.#scored.push({
      tokenId,
      text: this.#pieces[i]!,
      offset: this.#offsets[i]!,
      logprob,
      rank: tokenRank(logits, tokenId),
      ...(n > 0 ? { top } : {}),
    });
  }

  result(): ScoreResult {
    const n = this.#scored.length;
    const total = this.#scored.reduce((sum, t) => sum + t.logprob, 0);
    return {
      tokens: this.#scored,
      perplexity: n === 0 ? null : Math.exp(-total / n),
      stats: {
        contextTokens: this.#contextTokens ?? 0,
        reusedTokens: this.#reused ?? 0,
        windows: this.#windows.size,
        chunks: this.#chunks,
        scoreMs: this.#elapsedMs,
      },
    };
  }
}

/**
 * Where each token's text starts in `text`. A byte-level BPE decodes to the text itself, piece by piece; a
 * WordPiece tokenizer lowercases and respaces, so its pieces are looked for in the text, skipping whitespace (and,
 * after a piece the text does not hold, such as [UNK], whatever it stood for).
 */
export function offsetsIn(text: string, pieces: readonly string[]): number[] {
  const lower = text.toLowerCase();
  const comparable = lower.length === text.length;
  let at = 0;
  // After a piece that is not in the text ([UNK]), the next one found is taken wherever it is.
  let lost = false;
  return pieces.map((piece) => {
    if (text.startsWith(piece, at)) {
      const offset = at;
      at += piece.length;
      lost = false;
      return offset;
    }
    const core = piece.trim().replace(/^##/, '').toLowerCase();
    if (comparable && core.length > 0) {
      const found = lower.indexOf(core, at);
      if (found >= 0 && (lost || text.slice(at, found).trim() === '')) {
        at = found + core.length;
        lost = false;
        return found;
      }
    }
    lost = true;
    return at;
  });
}
