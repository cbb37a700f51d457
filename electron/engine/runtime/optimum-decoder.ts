/**
 * Runs third-party exports in the Optimum / Transformers.js layout. Their graphs concatenate the past
 * into `present` every step, so each step copies the whole cache; Kaituhi's own graph avoids that, and a
 * checkpoint is always converted to it. This path exists so any published ONNX GPT-2 loads.
 */
import ort from 'onnxruntime-node';
import { float16ToFloat32 } from '../formats/half.js';
import { checkContextLogits, reusablePrefix, type Decoder } from './decoder.js';

export interface OptimumSessions {
  /** Runs with past inputs (model.onnx, decoder_model_merged.onnx, decoder_with_past_model.onnx). */
  readonly withPast: ort.InferenceSession;
  /** decoder_model.onnx of a split export, used when there is no past yet. */
  readonly noPast: ort.InferenceSession | null;
}

export interface OptimumShape {
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly contextWindow: number;
}

type Past = { keys: ort.Tensor[]; values: ort.Tensor[]; length: number; batch: number };

export class OptimumDecoder implements Decoder {
  #tokens: number[] = [];
  #contextPast: Past | null = null;
  #genPast: Past | null = null;
  readonly #kvType: 'float32' | 'float16';
  readonly #hasPositionIds: boolean;
  readonly #hasUseCacheBranch: boolean;

  readonly #sessions: OptimumSessions;

  constructor(
    sessions: OptimumSessions,
    readonly shape: OptimumShape,
  ) {
    this.#sessions = sessions;
    const inputs = sessions.withPast.inputNames;
    this.#hasPositionIds = inputs.includes('position_ids');
    this.#hasUseCacheBranch = inputs.includes('use_cache_branch');
    const meta = sessions.withPast.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    this.#kvType = meta && meta.isTensor && meta.type === 'float16' ? 'float16' : 'float32';
  }

  get vocabSize(): number {
    return this.shape.vocabSize;
  }

  get contextWindow(): number {
    return this.shape.contextWindow;
  }

  get cachedTokens(): readonly number[] {
    return this.#tokens;
  }

  async setContext(tokens: readonly number[]): Promise<{ logits: Float32Array; reused: number }> {
    return this.contextLogits(tokens, tokens.length - 1);
  }

  /** An export computes logits at every position anyway: scoring costs it nothing more than a prefill. */
  async contextLogits(tokens: readonly number[], from: number): Promise<{ logits: Float32Array; reused: number }> {
    checkContextLogits(tokens, from, this.shape.contextWindow);
    const reused = Math.min(reusablePrefix(this.#tokens, tokens), from);
    const past = this.#contextPast && reused > 0 ? this.#truncate(this.#contextPast, reused) : null;
    const { logits, present } = await this.#run(tokens.slice(reused), past, 1);
    this.#tokens = [...tokens];
    this.#contextPast = present;
    this.#genPast = null;
    const seq = tokens.length - reused;
    return {
      logits: rowsOf(logits, [Array.from({ length: tokens.length - from }, (_, i) => from - reused + i)], seq, this.shape.vocabSize)[0]!,
      reused,
    };
  }

  async continuationLogits(sequences: readonly (readonly number[])[], at: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const S = Math.max(1, ...sequences.map((s) => s.length));
    const ids = sequences.flatMap((s) => Array.from({ length: S }, (_, i) => s[i] ?? 0));
    const past = this.#contextPast ? this.#expand(this.#contextPast, sequences.length) : null;
    const { logits } = await this.#run(ids, past, sequences.length);
    this.#genPast = null;
    return rowsOf(logits, at, S, this.shape.vocabSize);
  }

  startGeneration(batch: number): void {
    this.#genPast = this.#contextPast ? this.#expand(this.#contextPast, batch) : null;
  }

  async step(tokens: readonly number[]): Promise<Float32Array> {
    const past = this.#genPast;
    if (!past || past.batch !== tokens.length) throw new Error('startGeneration() with the same batch size first');
    const { logits, present } = await this.#run(tokens, past, tokens.length);
    this.#genPast = present;
    return lastPositionLogits(logits, tokens.length, 1, this.shape.vocabSize);
  }

  keepCandidates(keep: readonly number[]): void {
    const past = this.#genPast;
    if (!past || keep.length === past.batch) return;
    const pick = (t: ort.Tensor): ort.Tensor => {
      const per = t.size / past.batch;
      const data = t.data as Float32Array | Uint16Array;
      const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(per * keep.length);
      keep.forEach((from, to) => out.set(data.subarray(from * per, (from + 1) * per), to * per));
      return new ort.Tensor(t.type as 'float32', out as Float32Array, [keep.length, ...t.dims.slice(1)]);
    };
    this.#genPast = { keys: past.keys.map(pick), values: past.values.map(pick), length: past.length, batch: keep.length };
  }

  /** `tokens` is [batch * seq] flattened, row-major. */
  async #run(tokens: readonly number[], past: Past | null, batch: number): Promise<{ logits: ort.Tensor; present: Past }> {
    const seq = tokens.length / batch;
    const pastLen = past?.length ?? 0;
    const total = pastLen + seq;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(tokens, (t) => BigInt(t)),
        [batch, seq],
      ),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * total).fill(1n), [batch, total]),
    };
    if (this.#hasPositionIds) {
      feeds.position_ids = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(pastLen + (i % seq))),
        [batch, seq],
      );
    }
    const useSplitFirst = past === null && this.#sessions.noPast !== null;
    const session = useSplitFirst ? this.#sessions.noPast! : this.#sessions.withPast;
    if (!useSplitFirst) {
      const { heads: H, headDim: D } = this.shape;
      for (let l = 0; l < this.shape.layers; l++) {
        feeds[`past_key_values.${l}.key`] = past?.keys[l] ?? this.#emptyPast(batch, H, D);
        feeds[`past_key_values.${l}.value`] = past?.values[l] ?? this.#emptyPast(batch, H, D);
      }
      if (this.#hasUseCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([past ? 1 : 0]), [1]);
    }
    const out = await session.run(feeds);
    const present: Past = { keys: [], values: [], length: total, batch };
    for (let l = 0; l < this.shape.layers; l++) {
      present.keys.push(out[`present.${l}.key`]!);
      present.values.push(out[`present.${l}.value`]!);
    }
    return { logits: out.logits!, present };
  }

  #emptyPast(batch: number, H: number, D: number): ort.Tensor {
    // Exporters' graphs concatenate the past, and ORT's Concat accepts an empty one.
    return this.#kvType === 'float16'
      ? new ort.Tensor('float16', new Uint16Array(0), [batch, H, 0, D])
      : new ort.Tensor('float32', new Float32Array(0), [batch, H, 0, D]);
  }

  /** Keeps the first `length` positions of a [B, H, T, D] past. */
  #truncate(past: Past, length: number): Past {
    const cut = (t: ort.Tensor): ort.Tensor => {
      const [B, H, T, D] = t.dims as [number, number, number, number];
      const data = t.data as Float32Array | Uint16Array;
      const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(B * H * length * D);
      for (let bh = 0; bh < B * H; bh++) out.set(data.subarray(bh * T * D, bh * T * D + length * D), bh * length * D);
      return new ort.Tensor(t.type as 'float32', out as Float32Array, [B, H, length, D]);
    };
    return { keys: past.keys.map(cut), values: past.values.map(cut), length, batch: past.batch };
  }

  #expand(past: Past, batch: number): Past {
    if (batch === past.batch) return past;
    const rep = (t: ort.Tensor): ort.Tensor => {
      const data = t.data as Float32Array | Uint16Array;
      const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(data.length * batch);
      for (let b = 0; b < batch; b++) out.set(data, b * data.length);
      return new ort.Tensor(t.type as 'float32', out as Float32Array, [batch, ...t.dims.slice(1)]);
    };
    return { keys: past.keys.map(rep), values: past.values.map(rep), length: past.length, batch };
  }
}

/** Logits of the last position of each batch row, as float32 [batch, V]. */
function lastPositionLogits(logits: ort.Tensor, batch: number, seq: number, vocab: number): Float32Array {
  const raw = logits.data as Float32Array | Uint16Array;
  const data = raw instanceof Uint16Array ? float16ToFloat32(raw) : raw;
  const out = new Float32Array(batch * vocab);
  for (let b = 0; b < batch; b++) out.set(data.subarray(((b + 1) * seq - 1) * vocab, (b + 1) * seq * vocab), b * vocab);
  return out;
}

/** For each batch row b, the logits [B, seq, V] at the positions at[b] names, as float32. */
function rowsOf(logits: ort.Tensor, at: readonly (readonly number[])[], seq: number, vocab: number): Float32Array[] {
  const raw = logits.data as Float32Array | Uint16Array;
  const data = raw instanceof Uint16Array ? float16ToFloat32(raw) : raw;
  return at.map((positions, b) => {
    const out = new Float32Array(positions.length * vocab);
    positions.forEach((p, i) => out.set(data.subarray((b * seq + p) * vocab, (b * seq + p + 1) * vocab), i * vocab));
    return out;
  });
}
