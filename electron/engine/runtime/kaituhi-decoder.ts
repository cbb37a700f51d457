/**
 * Runs the Kaituhi graph with a prefix cache: the context's K/V stay in place between requests, so a writer
 * who typed one more word pays only for the new tokens. Candidates decode as one batch over that context.
 */
import ort from 'onnxruntime-node';
import { kaituhiNames as names } from '../graph/kaituhi-graph.js';
import { checkContextLogits, reusablePrefix, type Decoder } from './decoder.js';
import { KvBuffers } from './kv-buffers.js';

export interface DecoderShape {
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly contextWindow: number;
}

/** Score bias that removes the placeholder row standing in for an empty cache (see kaituhi-graph.ts). */
const MASKED = -1e9;

/** Largest prefill run: keeps the [H, S, S] attention scores of one run small for the big models. */
export const PREFILL_CHUNK = 512;

/** A context cache: K/V of `tokens`, in order, from position 0. */
interface ContextCache {
  readonly kv: KvBuffers;
  tokens: number[];
}

export class KaituhiDecoder implements Decoder {
  /** The context the requests run on. */
  #active: ContextCache;
  /**
   * A second context, filled between requests with the window the next slide will need (prepareSpare), and
   * swapped in by setContext when it holds more of the new context than the active one. Allocated on first use.
   */
  #spare: ContextCache | null = null;
  readonly #gen: KvBuffers;
  #genLength = 0;
  #batch = 1;
  /** Zero biases for real rows, and the one placeholder row for an empty cache. */
  readonly #zeroBias: Float32Array;
  readonly #placeholderBias = new Float32Array([MASKED]);
  #placeholderRows = new Float32Array(0);

  readonly #session: ort.InferenceSession;

  constructor(
    session: ort.InferenceSession,
    readonly shape: DecoderShape,
  ) {
    this.#session = session;
    this.#active = this.#newContextCache();
    this.#gen = new KvBuffers(shape.layers, shape.heads * shape.headDim);
    this.#zeroBias = new Float32Array(shape.contextWindow);
  }

  /** Feeds one cache segment (context or generated) of `length` positions of `rowFloats`, or its placeholder. */
  #feedSegment(feeds: Record<string, ort.Tensor>, which: 'ctx' | 'gen', buffers: KvBuffers, length: number, dims: readonly number[]): void {
    const rowFloats = dims.reduce((a, b) => a * b, 1);
    const keyName = which === 'ctx' ? names.ctxKey : names.genKey;
    const valueName = which === 'ctx' ? names.ctxValue : names.genValue;
    if (length === 0) {
      if (this.#placeholderRows.length < rowFloats) this.#placeholderRows = new Float32Array(rowFloats);
      const rows = this.#placeholderRows.subarray(0, rowFloats);
      for (let l = 0; l < this.shape.layers; l++) {
        feeds[keyName(l)] = new ort.Tensor('float32', rows, [1, ...dims]);
        feeds[valueName(l)] = new ort.Tensor('float32', rows, [1, ...dims]);
      }
      feeds[which === 'ctx' ? names.ctxBias : names.genBias] = new ort.Tensor('float32', this.#placeholderBias, [1]);
      return;
    }
    for (let l = 0; l < this.shape.layers; l++) {
      feeds[keyName(l)] = new ort.Tensor('float32', buffers.key(l, 0, length), [length, ...dims]);
      feeds[valueName(l)] = new ort.Tensor('float32', buffers.value(l, 0, length), [length, ...dims]);
    }
    feeds[which === 'ctx' ? names.ctxBias : names.genBias] = new ort.Tensor('float32', this.#zeroBias.subarray(0, length), [length]);
  }

  get vocabSize(): number {
    return this.shape.vocabSize;
  }

  get contextWindow(): number {
    return this.shape.contextWindow;
  }

  get cachedTokens(): readonly number[] {
    return this.#active.tokens;
  }

  /** Tokens whose K/V the spare context holds. */
  get spareTokens(): readonly number[] {
    return this.#spare?.tokens ?? [];
  }

  get cacheBytes(): number {
    return this.#active.kv.bytes + (this.#spare?.kv.bytes ?? 0) + this.#gen.bytes;
  }

  #newContextCache(): ContextCache {
    const row = this.shape.heads * this.shape.headDim;
    const kv = new KvBuffers(this.shape.layers, row);
    kv.ensure(this.shape.contextWindow, row, 0);
    return { kv, tokens: [] };
  }

  /**
   * Makes the context cache hold `tokens` and returns the logits after the last one.
   * Reuses the longest common prefix with what is cached; at least the last token is always run.
   */
  async setContext(tokens: readonly number[]): Promise<{ logits: Float32Array; reused: number }> {
    return this.contextLogits(tokens, tokens.length - 1);
  }

  /**
   * Makes the context cache hold `tokens` and returns the logits after each position from `from` on,
   * [tokens.length - from, V]. Positions before `from` keep their cached K/V where the prefix matches; the LM head
   * runs only for the positions asked for.
   */
  async contextLogits(tokens: readonly number[], from: number): Promise<{ logits: Float32Array; reused: number }> {
    checkContextLogits(tokens, from, this.shape.contextWindow);
    // After a window slide the spare may already hold most of the new context (prepared in the background).
    if (this.#spare && reusablePrefix(this.#spare.tokens, tokens) > reusablePrefix(this.#active.tokens, tokens)) {
      [this.#active, this.#spare] = [this.#spare, this.#active];
    }
    const reused = Math.min(reusablePrefix(this.#active.tokens, tokens), from);
    this.#active.tokens = this.#active.tokens.slice(0, reused);
    this.#genLength = 0;
    const V = this.shape.vocabSize;
    const logits = new Float32Array((tokens.length - from) * V);
    for (let start = reused; start < tokens.length; start += PREFILL_CHUNK) {
      const chunk = tokens.slice(start, Math.min(tokens.length, start + PREFILL_CHUNK));
      // A chunk wholly before `from` still names its last row: the graph's head never runs on zero rows.
      const first = Math.min(Math.max(0, from - start), chunk.length - 1);
      const rows = await this.#runContextChunk(this.#active, chunk, first);
      const keepFrom = Math.max(from, start);
      const end = start + chunk.length;
      if (keepFrom < end) logits.set(rows.subarray((keepFrom - start - first) * V), (keepFrom - from) * V);
    }
    return { logits, reused };
  }

  /**
   * Fills the spare context with `tokens`, at most `maxNewTokens` of them per call (so that a request arriving
   * meanwhile waits for one small chunk, not a whole window), keeping whatever prefix it already holds; nothing
   * while fewer than `minNewTokens` are missing. Returns true when there is nothing more to do now.
   */
  async prepareSpare(tokens: readonly number[], maxNewTokens: number, minNewTokens = 1): Promise<boolean> {
    if (tokens.length > this.shape.contextWindow) throw new Error(`context of ${tokens.length} tokens exceeds the window`);
    this.#spare ??= this.#newContextCache();
    let kept = 0;
    while (kept < this.#spare.tokens.length && kept < tokens.length && this.#spare.tokens[kept] === tokens[kept]) kept++;
    this.#spare.tokens = this.#spare.tokens.slice(0, kept);
    if (tokens.length - kept < Math.max(1, minNewTokens)) return true;
    const chunk = tokens.slice(kept, kept + Math.max(1, maxNewTokens));
    await this.#runContextChunk(this.#spare, chunk, chunk.length - 1);
    return this.#spare.tokens.length === tokens.length;
  }

  /** Appends `chunk` to a context cache; returns the logits after its positions from `logitsFrom` on. */
  async #runContextChunk(cache: ContextCache, chunk: readonly number[], logitsFrom: number): Promise<Float32Array> {
    const start = cache.tokens.length;
    const end = start + chunk.length;
    const { heads: H, headDim: D } = this.shape;
    const feeds: Record<string, ort.Tensor> = {
      [names.inputIds]: int64Tensor(chunk, [1, chunk.length]),
      [names.positionIds]: positions(start, chunk.length),
      [names.logitRows]: positions(logitsFrom, chunk.length - logitsFrom),
    };
    const fetches: Record<string, ort.Tensor | null> = { [names.logits]: null };
    this.#feedSegment(feeds, 'ctx', cache.kv, start, [H, D]);
    this.#feedSegment(feeds, 'gen', this.#gen, 0, [H, D]);
    for (let l = 0; l < this.shape.layers; l++) {
      // The new positions are written by ORT straight into the cache's next free rows.
      fetches[names.newKey(l)] = new ort.Tensor('float32', cache.kv.key(l, start, end), [1, chunk.length, 1, H, D]);
      fetches[names.newValue(l)] = new ort.Tensor('float32', cache.kv.value(l, start, end), [1, chunk.length, 1, H, D]);
    }
    const out = await this.#session.run(feeds, fetches);
    cache.tokens.push(...chunk);
    return out[names.logits]!.data as Float32Array;
  }

  /** Starts `batch` candidates after the current context; `maxNewTokens` sizes the generation cache. */
  startGeneration(batch: number, maxNewTokens: number): void {
    const { heads: H, headDim: D } = this.shape;
    this.#batch = batch;
    this.#genLength = 0;
    this.#gen.ensure(maxNewTokens, batch * H * D, 0);
  }

  /** Feeds one token per candidate; returns logits [batch, V]. */
  async step(tokens: readonly number[]): Promise<Float32Array> {
    if (tokens.length !== this.#batch) throw new Error(`expected ${this.#batch} tokens, got ${tokens.length}`);
    const { heads: H, headDim: D } = this.shape;
    const B = this.#batch;
    const tc = this.#active.tokens.length;
    const tg = this.#genLength;
    if (tc + tg + 1 > this.shape.contextWindow) throw new Error('the generation reached the end of the context window');
    this.#gen.ensure(tg + 1, B * H * D, tg);
    const feeds: Record<string, ort.Tensor> = {
      [names.inputIds]: int64Tensor(tokens, [B, 1]),
      [names.positionIds]: positions(tc + tg, 1),
      [names.logitRows]: positions(0, B),
    };
    const fetches: Record<string, ort.Tensor | null> = { [names.logits]: null };
    this.#feedSegment(feeds, 'ctx', this.#active.kv, tc, [H, D]);
    this.#feedSegment(feeds, 'gen', this.#gen, tg, [B * H, D]);
    for (let l = 0; l < this.shape.layers; l++) {
      fetches[names.newKey(l)] = new ort.Tensor('float32', this.#gen.key(l, tg, tg + 1), [1, 1, B, H, D]);
      fetches[names.newValue(l)] = new ort.Tensor('float32', this.#gen.value(l, tg, tg + 1), [1, 1, B, H, D]);
    }
    const out = await this.#session.run(feeds, fetches);
    this.#genLength = tg + 1;
    return out[names.logits]!.data as Float32Array;
  }

  /**
   * Drops finished candidates so later steps stop paying for them. Copies only the generated rows
   * (at most a few hundred positions), never the context.
   */
  keepCandidates(keep: readonly number[]): void {
    if (keep.length === this.#batch) return;
    const { heads: H, headDim: D } = this.shape;
    const row = H * D;
    const oldB = this.#batch;
    for (let l = 0; l < this.shape.layers; l++) {
      for (const buf of [this.#gen.key(l, 0, this.#genLength), this.#gen.value(l, 0, this.#genLength)]) {
        for (let t = 0; t < this.#genLength; t++) {
          keep.forEach((from, to) => {
            const src = (t * oldB + from) * row;
            const dst = (t * keep.length + to) * row;
            if (src !== dst) buf.copyWithin(dst, src, src + row);
          });
        }
      }
    }
    // Rows are now packed with the new batch size; reinterpret the same storage.
    this.#gen.reshapeRows(keep.length * row);
    this.#batch = keep.length;
  }

  /**
   * Runs each sequence right after the cached context, all in one batch that reads the context once, and returns
   * for each the logits after the positions `at` names (indices into that sequence). Shorter sequences are padded at
   * the end: attention is causal, so padding after a position never reaches it. The context is left as it was; the
   * generation cache serves as scratch for the sequences' K/V, so a generation in progress ends here.
   */
  async continuationLogits(sequences: readonly (readonly number[])[], at: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const B = sequences.length;
    const S = Math.max(1, ...sequences.map((s) => s.length));
    const tc = this.#active.tokens.length;
    if (tc + S > this.shape.contextWindow) throw new Error('the continuations reach past the end of the context window');
    const { heads: H, headDim: D, vocabSize: V } = this.shape;
    const ids = sequences.flatMap((s) => Array.from({ length: S }, (_, i) => s[i] ?? 0));
    const rows = at.flatMap((positions, b) => positions.map((p) => b * S + p));
    if (rows.length === 0) return sequences.map(() => new Float32Array(0));
    this.#genLength = 0;
    this.#batch = B;
    this.#gen.ensure(S, B * H * D, 0);
    const feeds: Record<string, ort.Tensor> = {
      [names.inputIds]: int64Tensor(ids, [B, S]),
      [names.positionIds]: positions(tc, S),
      [names.logitRows]: int64Tensor(rows, [rows.length]),
    };
    const fetches: Record<string, ort.Tensor | null> = { [names.logits]: null };
    this.#feedSegment(feeds, 'ctx', this.#active.kv, tc, [H, D]);
    this.#feedSegment(feeds, 'gen', this.#gen, 0, [B * H, D]);
    for (let l = 0; l < this.shape.layers; l++) {
      fetches[names.newKey(l)] = new ort.Tensor('float32', this.#gen.key(l, 0, S), [1, S, B, H, D]);
      fetches[names.newValue(l)] = new ort.Tensor('float32', this.#gen.value(l, 0, S), [1, S, B, H, D]);
    }
    const logits = (await this.#session.run(feeds, fetches))[names.logits]!.data as Float32Array;
    return splitRows(logits, at, V);
  }
}

/** Cuts logits [R, V], rows in the order `at` lists them, into one array per sequence. */
export function splitRows(logits: Float32Array, at: readonly (readonly number[])[], V: number): Float32Array[] {
  let row = 0;
  return at.map((positions) => {
    const out = logits.slice(row * V, (row + positions.length) * V);
    row += positions.length;
    return out;
  });
}

function int64Tensor(values: readonly number[], dims: number[]): ort.Tensor {
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

function positions(start: number, count: number): ort.Tensor {
  return new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: count }, (_, i) => BigInt(start + i)),
    [count],
  );
}
