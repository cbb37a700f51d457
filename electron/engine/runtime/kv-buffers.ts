/**
 * Per-layer K/V storage for the Kaituhi graph, owned by JavaScript and reused across requests.
 * Layouts are position-major so that "the first T positions" is one contiguous range.
 */
export class KvBuffers {
  #keys: Float32Array[] = [];
  #values: Float32Array[] = [];
  #capacityPositions = 0;

  #rowFloats: number;

  constructor(
    readonly layers: number,
    /** Floats per position (H*D for the context cache, B*H*D for the generation cache). */
    rowFloats: number,
  ) {
    this.#rowFloats = rowFloats;
  }

  get floatsPerPosition(): number {
    return this.#rowFloats;
  }

  /** Makes room for `positions` rows of `rowFloats`; keeps the first `keep` positions when it must reallocate. */
  ensure(positions: number, rowFloats: number, keep: number): void {
    if (rowFloats === this.#rowFloats && positions <= this.#capacityPositions) return;
    const grow = rowFloats === this.#rowFloats ? Math.max(positions, Math.ceil(this.#capacityPositions * 1.5)) : positions;
    const keepFloats = rowFloats === this.#rowFloats ? keep * rowFloats : 0;
    const realloc = (old: Float32Array | undefined): Float32Array => {
      const next = new Float32Array(grow * rowFloats);
      if (old && keepFloats > 0) next.set(old.subarray(0, keepFloats));
      return next;
    };
    this.#keys = Array.from({ length: this.layers }, (_, l) => realloc(this.#keys[l]));
    this.#values = Array.from({ length: this.layers }, (_, l) => realloc(this.#values[l]));
    this.#capacityPositions = grow;
    this.#rowFloats = rowFloats;
  }

  /** Reinterprets the same storage with a new row width (after candidates were packed in place). */
  reshapeRows(rowFloats: number): void {
    const totalFloats = this.#capacityPositions * this.#rowFloats;
    this.#rowFloats = rowFloats;
    this.#capacityPositions = Math.floor(totalFloats / rowFloats);
  }

  key(layer: number, from: number, to: number): Float32Array {
    return this.#keys[layer]!.subarray(from * this.#rowFloats, to * this.#rowFloats);
  }

  value(layer: number, from: number, to: number): Float32Array {
    return this.#values[layer]!.subarray(from * this.#rowFloats, to * this.#rowFloats);
  }

  /** Bytes held, for the memory report. */
  get bytes(): number {
    return 2 * this.layers * this.#capacityPositions * this.#rowFloats * 4;
  }
}
