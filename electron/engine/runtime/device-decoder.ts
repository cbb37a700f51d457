/**
 * Runs the device graph (graph/device-graph.ts) on a GPU: the K/V cache is the previous run's present, left
 * where the execution provider put it. Under WebGPU the session keeps present.* in GPU buffers
 * (preferredOutputLocation 'gpu-buffer', see devicePresentLocations), so no step moves the cache between host and
 * device: input ids go up, the last position's logits [B, V] come down. Prefix reuse, the candidates' broadcast
 * and their dropping are past_keep and past_rows, applied inside the graph. On the CPU the same code runs with
 * host tensors, which is how the tests exercise it.
 */
import ort from 'onnxruntime-node';
import { deviceNames as names } from '../graph/device-graph.js';
import { checkContextLogits, reusablePrefix, type Decoder } from './decoder.js';
import { PREFILL_CHUNK, splitRows, type DecoderShape } from './kaituhi-decoder.js';

/** Which outputs stay on the device: every present tensor; the logits come to the host. */
export function devicePresentLocations(layers: number): Record<string, 'gpu-buffer'> {
  const out: Record<string, 'gpu-buffer'> = {};
  for (let l = 0; l < layers; l++) {
    out[names.presentKey(l)] = 'gpu-buffer';
    out[names.presentValue(l)] = 'gpu-buffer';
  }
  return out;
}

interface Present {
  readonly keys: ort.Tensor[];
  readonly values: ort.Tensor[];
  /** Positions held (the same for every row). */
  readonly length: number;
}

export class DeviceDecoder implements Decoder {
  #present: Present | null = null;
  /** Tokens of the context, whose K/V are the first positions of row 0 of the present. */
  #contextTokens: number[] = [];
  #genLength = 0;
  #batch = 1;
  /** The present's rows the next step continues; null: each row its own. */
  #nextRows: number[] | null = null;

  readonly #session: ort.InferenceSession;

  constructor(
    session: ort.InferenceSession,
    readonly shape: DecoderShape,
  ) {
    this.#session = session;
  }

  get vocabSize(): number {
    return this.shape.vocabSize;
  }

  get contextWindow(): number {
    return this.shape.contextWindow;
  }

  get cachedTokens(): readonly number[] {
    return this.#contextTokens;
  }

  async setContext(tokens: readonly number[]): Promise<{ logits: Float32Array; reused: number }> {
    return this.contextLogits(tokens, tokens.length - 1);
  }

  async contextLogits(tokens: readonly number[], from: number): Promise<{ logits: Float32Array; reused: number }> {
    checkContextLogits(tokens, from, this.shape.contextWindow);
    const reused = this.#present ? Math.min(reusablePrefix(this.#contextTokens, tokens), from) : 0;
    this.#genLength = 0;
    this.#batch = 1;
    this.#nextRows = null;
    const V = this.shape.vocabSize;
    const logits = new Float32Array((tokens.length - from) * V);
    let keep = reused;
    for (let start = reused; start < tokens.length; start += PREFILL_CHUNK) {
      const chunk = tokens.slice(start, Math.min(tokens.length, start + PREFILL_CHUNK));
      // A chunk wholly before `from` still names its last row: the graph's head never runs on zero rows.
      const first = Math.min(Math.max(0, from - start), chunk.length - 1);
      const rows = await this.#run(chunk, 1, start, keep, [0], rowRange(first, chunk.length));
      const keepFrom = Math.max(from, start);
      if (keepFrom < start + chunk.length) logits.set(rows.subarray((keepFrom - start - first) * V), (keepFrom - from) * V);
      keep = start + chunk.length;
    }
    this.#contextTokens = [...tokens];
    return { logits, reused };
  }

  /** The cache grows by one position a step; nothing to reserve ahead. */
  startGeneration(batch: number, _maxNewTokens?: number): void {
    this.#batch = batch;
    this.#genLength = 0;
    // The first step broadcasts the context (row 0) to every candidate.
    this.#nextRows = Array.from({ length: batch }, () => 0);
  }

  async step(tokens: readonly number[]): Promise<Float32Array> {
    if (tokens.length !== this.#batch) throw new Error(`expected ${this.#batch} tokens, got ${tokens.length}`);
    const tc = this.#contextTokens.length;
    if (tc + this.#genLength + 1 > this.shape.contextWindow) throw new Error('the generation reached the end of the context window');
    const rows = this.#nextRows ?? Array.from({ length: this.#batch }, (_, i) => i);
    const logits = await this.#run(tokens, this.#batch, tc + this.#genLength, this.#present?.length ?? 0, rows, rowRange(0, this.#batch));
    this.#nextRows = null;
    this.#genLength += 1;
    return logits;
  }

  keepCandidates(keep: readonly number[]): void {
    if (keep.length === this.#batch) return;
    const rows = this.#nextRows ?? Array.from({ length: this.#batch }, (_, i) => i);
    this.#nextRows = keep.map((k) => rows[k]!);
    this.#batch = keep.length;
  }

  /**
   * Runs each sequence after the context (row 0 of the present, broadcast to the batch inside the graph), padded at
   * the end to one length. The present then holds those rows; the context stays its first positions of row 0.
   */
  async continuationLogits(sequences: readonly (readonly number[])[], at: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const B = sequences.length;
    const S = Math.max(1, ...sequences.map((s) => s.length));
    const tc = this.#contextTokens.length;
    if (tc + S > this.shape.contextWindow) throw new Error('the continuations reach past the end of the context window');
    const rows = at.flatMap((positions, b) => positions.map((p) => b * S + p));
    if (rows.length === 0) return sequences.map(() => new Float32Array(0));
    const ids = sequences.flatMap((s) => Array.from({ length: S }, (_, i) => s[i] ?? 0));
    const logits = await this.#run(
      ids,
      B,
      tc,
      tc,
      Array.from({ length: B }, () => 0),
      rows,
    );
    this.#genLength = 0;
    this.#batch = 1;
    this.#nextRows = null;
    return splitRows(logits, at, this.shape.vocabSize);
  }

  /**
   * One run: `tokens` is [batch * S] row-major, positions start..start+S-1, over `keep` positions of `rows`; logits
   * come back for `logitRows` (indices into the batch * S rows).
   */
  async #run(
    tokens: readonly number[],
    batch: number,
    start: number,
    keep: number,
    rows: readonly number[],
    logitRows: readonly number[],
  ): Promise<Float32Array> {
    const { heads: H, headDim: D, layers } = this.shape;
    const seq = tokens.length / batch;
    const feeds: Record<string, ort.Tensor> = {
      [names.inputIds]: new ort.Tensor(
        'int64',
        BigInt64Array.from(tokens, (t) => BigInt(t)),
        [batch, seq],
      ),
      [names.positionIds]: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: seq }, (_, i) => BigInt(start + i)),
        [seq],
      ),
      [names.pastKeep]: new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), [1]),
      [names.pastRows]: new ort.Tensor(
        'int64',
        BigInt64Array.from(rows, (r) => BigInt(r)),
        [rows.length],
      ),
      [names.logitRows]: new ort.Tensor(
        'int64',
        BigInt64Array.from(logitRows, (r) => BigInt(r)),
        [logitRows.length],
      ),
    };
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, H, 0, D]);
    for (let l = 0; l < layers; l++) {
      feeds[names.pastKey(l)] = this.#present?.keys[l] ?? empty;
      feeds[names.pastValue(l)] = this.#present?.values[l] ?? empty;
    }
    const out = await this.#session.run(feeds);
    const previous = this.#present;
    const keys: ort.Tensor[] = [];
    const values: ort.Tensor[] = [];
    for (let l = 0; l < layers; l++) {
      keys.push(out[names.presentKey(l)]!);
      values.push(out[names.presentValue(l)]!);
    }
    this.#present = { keys, values, length: keep + seq };
    // A GPU buffer is freed when disposed, not when garbage-collected: the old cache goes now.
    if (previous) for (const t of [...previous.keys, ...previous.values]) t.dispose();
    const logits = out[names.logits]!;
    return logits.location === 'cpu' ? (logits.data as Float32Array) : ((await logits.getData(true)) as Float32Array);
  }
}

function rowRange(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
