/**
 * Token sampling: penalties (penalties.ts), temperature, top-k, top-p, min-p, typical-p, and a seeded PRNG.
 *
 * Order (the order Hugging Face transformers' `generate` builds its logits processors in):
 *   1. repetition penalty over the last `repetitionWindow` tokens (HF/CTRL: positive logits divided, negative multiplied),
 *      then OpenAI's presence and frequency penalties over the same tokens (subtracted: once, and once per occurrence)
 *   2. no-repeat n-gram ban (the token that would complete an n-gram already in `history` gets -Infinity)
 *   -- greedy (or temperature <= 0) stops here and takes the argmax --
 *   3. temperature, 4. top-k, 5. top-p, 6. min-p, 7. typical-p; each filter sees the distribution the previous ones
 *      left, renormalised (as HF's warpers do, since they set removed scores to -inf before the next softmax).
 *
 * Boundary ties: top-k, top-p and typical keep every token whose sort key equals that of the last token kept, so the
 * result never depends on an arbitrary tie order (HF keeps ties for top-k and typical, breaks them arbitrarily for top-p).
 *
 * Speed: this runs per token per candidate over a 50257-entry vocabulary, so nothing sorts the vocabulary. Top-k is
 * a size-k heap pass over the raw logits, after which only k tokens are exponentiated. Top-p and typical bin the
 * tokens by their sort key (1/16 nat wide) together with their mass, find the bin where the cumulative mass crosses
 * the target, and sort only that bin; when they are the first filter they do this straight off the logits and stage
 * only the survivors. Min-p as the first filter is a plain threshold on the logits. Tokens more than TAIL_NATS below
 * the best are not candidates at all: together they weigh less than 3e-13 of the best token, below the float32
 * precision of the logits themselves, and no filter with a mass below 1 could reach them. exp() is inlined
 * (expNonPositive) because Math.exp over the vocabulary was the largest single cost.
 *
 * Why one file of ~500 lines: the filters share the candidate staging buffers, the bins and the inlined exp, and
 * each filter's fast path depends on which filters ran before it; split apart, that shared state would have to
 * travel between modules on every token. The penalties share none of it and live in penalties.ts.
 */
import { applyPenalties } from './penalties.js';
import type { SamplerSettings } from './types.js';

export interface Rng {
  /** Uniform in [0, 1), 53 bits of resolution. */
  next(): number;
}

/**
 * sfc32 seeded through splitmix32: fast, passes PractRand to large sizes, and built only from 32-bit integer ops,
 * so the same seed gives the same stream on every platform and JS engine.
 */
export function createRng(seed: number): Rng {
  // Fold the whole double (not just its low 32 bits) into the seed so that e.g. 1 and 2**32 + 1 differ.
  const safe = Number.isFinite(seed) ? seed : 0;
  const lo = Math.trunc(safe) >>> 0;
  const hi = Math.trunc(safe / 4294967296) >>> 0;
  const frac = Math.trunc((safe - Math.trunc(safe)) * 4294967296) >>> 0;
  let sm = (lo ^ Math.imul(hi, 0x9e3779b9) ^ Math.imul(frac, 0x85ebca6b)) >>> 0;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard a few outputs: sfc32's first words are still correlated with the seed.
  for (let i = 0; i < 12; i++) next32();
  return {
    next(): number {
      // 32 bits alone would make tokens below 2^-32 unreachable; 53 bits match a double's mantissa.
      return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
    },
  };
}

/** A seed for requests that did not ask for one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

export interface SampledToken {
  tokenId: number;
  /** Natural log of the token's probability under the final, filtered and renormalised distribution. */
  logprob: number;
}

/** Tokens this far (in nats, after temperature) below the best are never candidates; see the header. */
const TAIL_NATS = 40;
/** Key bins per nat for the top-p / typical cut. */
const BINS_PER_NAT = 16;
const BIN_COUNT = 1024;
/** Below this many candidates a plain sort is cheaper than binning. */
const SMALL = 96;

// Scratch buffers, grown on demand and reused: allocating 50257-entry arrays per token would dominate the cost.
let cap = 0;
let cIdx = new Int32Array(0);
let cZ = new Float64Array(0);
let cW = new Float64Array(0);
let cKey = new Float64Array(0);
let cNext = new Int32Array(0);
let sel = new Int32Array(0);
const binMass = new Float64Array(BIN_COUNT);
const binHead = new Int32Array(BIN_COUNT);
let topHeap = new Float64Array(0);

function ensureCapacity(n: number): void {
  if (n <= cap) return;
  cap = Math.max(n, cap * 2, 64);
  cIdx = new Int32Array(cap);
  cZ = new Float64Array(cap);
  cW = new Float64Array(cap);
  cKey = new Float64Array(cap);
  cNext = new Int32Array(cap);
  sel = new Int32Array(cap);
}

// exp() inlined for z <= 0: 2^(n/256) from two tables and a degree-4 polynomial on the remainder
// (|r| <= ln2/256, so the truncation error is below 1e-15 relative). Math.exp is a call into the runtime and made
// the full-vocabulary paths three times slower.
const EXP_STEPS = 256;
const EXP_SCALE = EXP_STEPS / Math.LN2;
const EXP_UNSCALE = Math.LN2 / EXP_STEPS;
const POW2_INT = Float64Array.from({ length: 1100 }, (_, q) => Math.pow(2, -q));
const POW2_FRAC = Float64Array.from({ length: EXP_STEPS }, (_, j) => Math.pow(2, j / EXP_STEPS));

export function expNonPositive(z: number): number {
  if (!(z > -708)) return 0;
  const t = z * EXP_SCALE;
  const n = Math.floor(t);
  const r = (t - n) * EXP_UNSCALE;
  return POW2_INT[-(n >> 8)]! * POW2_FRAC[n & 255]! * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24)))));
}

/**
 * Picks the next token. `logits` is one row of raw logits (length = vocabulary) and is modified in place;
 * `history` is every token so far (prompt and generated), which the penalties look at.
 */
export function sampleToken(logits: Float32Array, history: readonly number[], settings: SamplerSettings, rng: Rng): SampledToken {
  applyPenalties(logits, history, settings);
  return sampleAdjusted(logits, settings, rng);
}

/** Picks the next token from logits whose penalties are already applied: temperature and the filters, then a draw. */
export function sampleAdjusted(logits: Float32Array, settings: SamplerSettings, rng: Rng): SampledToken {
  const prepared = prepare(logits, settings);
  if (prepared.n < 0) return { tokenId: prepared.argmax, logprob: prepared.greedyLogprob };
  const n = prepared.n;
  let total = 0;
  for (let i = 0; i < n; i++) total += cW[i]!;
  const u = rng.next() * total;
  let acc = 0;
  let chosen = n - 1;
  for (let i = 0; i < n; i++) {
    acc += cW[i]!;
    if (u < acc) {
      chosen = i;
      break;
    }
  }
  // Rounding can leave u just above the final sum; the last candidate with weight is the right answer then.
  while (chosen > 0 && cW[chosen] === 0) chosen--;
  return { tokenId: cIdx[chosen]!, logprob: cZ[chosen]! - Math.log(total) };
}

export interface TokenDistribution {
  /** Token ids with a non-zero chance, in no particular order. */
  tokenIds: Int32Array;
  /** Their probabilities (summing to 1), parallel to `tokenIds`. */
  probs: Float64Array;
}

/**
 * The distribution `sampleToken` would draw from (for greedy: the argmax alone, with probability 1).
 * For tests, and for showing alternatives; modifies `logits` in place like `sampleToken`.
 */
export function finalDistribution(logits: Float32Array, history: readonly number[], settings: SamplerSettings): TokenDistribution {
  applyPenalties(logits, history, settings);
  const prepared = prepare(logits, settings);
  if (prepared.n < 0) return { tokenIds: Int32Array.of(prepared.argmax), probs: Float64Array.of(1) };
  const n = prepared.n;
  let total = 0;
  for (let i = 0; i < n; i++) total += cW[i]!;
  const probs = new Float64Array(n);
  for (let i = 0; i < n; i++) probs[i] = cW[i]! / total;
  return { tokenIds: cIdx.slice(0, n), probs };
}

interface Prepared {
  /** Candidates left in the scratch arrays; -1 for greedy. */
  n: number;
  argmax: number;
  greedyLogprob: number;
}

function prepare(logits: Float32Array, settings: SamplerSettings): Prepared {
  const vocab = logits.length;
  if (vocab === 0) throw new RangeError('sampleToken: empty logits');

  let max = -Infinity;
  let argmax = -1;
  for (let i = 0; i < vocab; i++) {
    const v = logits[i]!;
    // NaN would poison every sum below; a model that emits one for a token has no opinion about it.
    if (v !== v) {
      logits[i] = -Infinity;
    } else if (v > max) {
      max = v;
      argmax = i;
    }
  }
  if (argmax < 0) throw new RangeError('sampleToken: every token is banned');
  if (max === Infinity) return { n: -1, argmax, greedyLogprob: 0 };

  const temperature = settings.temperature;
  // A temperature so small that 1 / T overflows (5e-324) is greedy in the limit, and is taken as greedy: scaled by
  // Infinity the best token's logit became 0 * Infinity = NaN, which hung the top-p cut and lost the token id.
  if (settings.greedy || !(temperature > 0) || !Number.isFinite(1 / temperature)) {
    const floor = max - TAIL_NATS;
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const v = logits[i]!;
      if (v > floor) sum += expNonPositive(v - max);
    }
    return { n: -1, argmax, greedyLogprob: -Math.log(sum) };
  }

  const invT = 1 / temperature;
  const topK = Math.floor(settings.topK);
  let n: number;
  let topPDone = false;
  let typicalDone = false;
  if (topK > 0 && topK < vocab) {
    n = gatherTopK(logits, topK, max, invT);
  } else if (settings.topP < 1) {
    // The first cut over the full vocabulary reads the logits directly instead of staging 50257 candidates.
    n = gatherByKey(logits, max, invT, NaN, fullVocabKeyCut(logits, max, invT, Math.max(0, settings.topP), NaN));
    topPDone = true;
  } else if (settings.minP > 0) {
    n = gatherAbove(logits, max, invT, Math.min(0, Math.max(Math.log(settings.minP), -TAIL_NATS)));
  } else if (settings.typicalP < 1) {
    const center = fullVocabMeanZ(logits, max, invT);
    n = gatherByKey(logits, max, invT, center, fullVocabKeyCut(logits, max, invT, Math.max(0, settings.typicalP), center));
    typicalDone = true;
  } else {
    n = gatherAbove(logits, max, invT, -TAIL_NATS);
  }

  if (settings.topP < 1 && !topPDone) {
    for (let i = 0; i < n; i++) cKey[i] = -cZ[i]!;
    n = keepLowestKeys(n, Math.max(0, settings.topP));
  }
  if (settings.minP > 0) {
    // The best token is still a candidate (every filter keeps it), so its z is 0 and p_i >= minP * p_max is z_i >= ln(minP).
    const floor = Math.log(settings.minP);
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (cZ[i]! >= floor) {
        cIdx[m] = cIdx[i]!;
        cZ[m] = cZ[i]!;
        cW[m] = cW[i]!;
        m++;
      }
    }
    n = m;
  }
  if (settings.typicalP < 1 && !typicalDone) {
    // |-log p_i - H| with H = -sum p log p; log Z cancels, leaving |E[z] - z_i|.
    let total = 0;
    let weighted = 0;
    for (let i = 0; i < n; i++) {
      total += cW[i]!;
      weighted += cW[i]! * cZ[i]!;
    }
    const meanZ = weighted / total;
    for (let i = 0; i < n; i++) cKey[i] = Math.abs(meanZ - cZ[i]!);
    n = keepLowestKeys(n, Math.max(0, settings.typicalP));
  }
  return { n, argmax, greedyLogprob: 0 };
}

/** Candidates = every token whose logit is at least the k-th largest (ties included), found with a size-k min-heap. */
function gatherTopK(logits: Float32Array, k: number, max: number, invT: number): number {
  if (topHeap.length < k) topHeap = new Float64Array(Math.max(k, topHeap.length * 2));
  let size = 0;
  const vocab = logits.length;
  ensureCapacity(vocab);
  const heap = topHeap;
  for (let i = 0; i < vocab; i++) {
    const v = logits[i]!;
    if (size < k) {
      // Sift up.
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (heap[parent]! <= v) break;
        heap[pos] = heap[parent]!;
        pos = parent;
      }
      heap[pos] = v;
    } else if (v > heap[0]!) {
      // Replace the root and sift down.
      let pos = 0;
      for (;;) {
        const left = 2 * pos + 1;
        if (left >= k) break;
        const right = left + 1;
        const child = right < k && heap[right]! < heap[left]! ? right : left;
        if (heap[child]! >= v) break;
        heap[pos] = heap[child]!;
        pos = child;
      }
      heap[pos] = v;
    }
  }
  const threshold = heap[0]!;
  let n = 0;
  for (let i = 0; i < vocab; i++) {
    const v = logits[i]!;
    if (v >= threshold && v > -Infinity) {
      const z = (v - max) * invT;
      cIdx[n] = i;
      cZ[n] = z;
      cW[n] = expNonPositive(z);
      n++;
    }
  }
  return n;
}

/** Candidates = every token whose tempered logit z = (l - max) / T is at least zMin. */
function gatherAbove(logits: Float32Array, max: number, invT: number, zMin: number): number {
  const vocab = logits.length;
  ensureCapacity(vocab);
  let n = 0;
  for (let i = 0; i < vocab; i++) {
    const z = (logits[i]! - max) * invT;
    if (z >= zMin) {
      cIdx[n] = i;
      cZ[n] = z;
      cW[n] = expNonPositive(z);
      n++;
    }
  }
  return n;
}

/**
 * The full-vocabulary form of keepLowestKeys, reading the logits directly instead of staging 50257 candidates.
 * key(z) = -z (top-p) when `center` is NaN, else |center - z| (typical). One pass bins every token within TAIL_NATS
 * by key (1/16 nat) with its mass; only the bin where the cumulative mass crosses `fraction` is sorted.
 * Returns the largest key kept: the kept set is exactly key <= that (ties included).
 */
function fullVocabKeyCut(logits: Float32Array, max: number, invT: number, fraction: number, center: number): number {
  const vocab = logits.length;
  ensureCapacity(vocab);
  clearBins();
  const byLogit = Number.isNaN(center);
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    const z = (logits[i]! - max) * invT;
    if (z >= -TAIL_NATS) {
      const w = expNonPositive(z);
      fileInBin(i, binOf(cutKey(z, center, byLogit)), w);
      total += w;
    }
  }
  const target = fraction * total;
  const { cross, before } = crossingBin(target);
  // The crossing bin's members staged as candidates 0..m-1 (gatherByKey overwrites them after).
  let m = 0;
  for (let i = binHead[cross]!; i !== -1; i = cNext[i]!) {
    const z = (logits[i]! - max) * invT;
    cKey[m] = cutKey(z, center, byLogit);
    cW[m] = expNonPositive(z);
    sel[m] = m;
    m++;
  }
  return lastKeptKey(sel.subarray(0, m), before, target);
}

/** Candidates = every token within TAIL_NATS whose key (as in fullVocabKeyCut) is at most keyCut. */
function gatherByKey(logits: Float32Array, max: number, invT: number, center: number, keyCut: number): number {
  const vocab = logits.length;
  ensureCapacity(vocab);
  const byLogit = Number.isNaN(center);
  let n = 0;
  for (let i = 0; i < vocab; i++) {
    const z = (logits[i]! - max) * invT;
    // The same arithmetic as fullVocabKeyCut's, so the cut compares exactly.
    if (z >= -TAIL_NATS && cutKey(z, center, byLogit) <= keyCut) {
      cIdx[n] = i;
      cZ[n] = z;
      cW[n] = expNonPositive(z);
      n++;
    }
  }
  return n;
}

/** E[z] over every token within TAIL_NATS: the entropy term of typical sampling (log Z cancels in |-log p - H|). */
function fullVocabMeanZ(logits: Float32Array, max: number, invT: number): number {
  const vocab = logits.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < vocab; i++) {
    const z = (logits[i]! - max) * invT;
    if (z >= -TAIL_NATS) {
      const w = expNonPositive(z);
      total += w;
      weighted += w * z;
    }
  }
  return weighted / total;
}

/**
 * Keeps the shortest run of candidates, in ascending `cKey` order, whose mass reaches `fraction` of the total
 * (a candidate is kept while the mass before it is below the target), plus ties with the last one kept.
 * Only the bin in which the target is crossed gets sorted.
 */
function keepLowestKeys(n: number, fraction: number): number {
  if (n <= 1) return n;
  const binned = n > SMALL;
  clearBins();
  let total = 0;
  const keys = cKey;
  const weights = cW;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    fileInBin(i, binned ? binOf(keys[i]!) : 0, w);
    total += w;
  }
  const target = fraction * total;
  const { cross, before } = crossingBin(target);
  let m = 0;
  for (let i = binHead[cross]!; i !== -1; i = cNext[i]!) sel[m++] = i;
  const lastKey = lastKeptKey(sel.subarray(0, m), before, target);

  // Every key in an earlier bin is below every key in the crossing bin, so the kept set is exactly key <= lastKey.
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (keys[i]! <= lastKey) {
      cIdx[kept] = cIdx[i]!;
      cZ[kept] = cZ[i]!;
      cW[kept] = weights[i]!;
      kept++;
    }
  }
  return kept;
}

/** Index of the largest logit (the first, on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** The key the top-p (`center` NaN: -z) and typical (|center - z|) cuts order tokens by; z is the scaled logit. */
function cutKey(z: number, center: number, byLogit: boolean): number {
  return byLogit ? -z : Math.abs(center - z);
}

function clearBins(): void {
  binMass.fill(0);
  binHead.fill(-1);
}

/** A key's bin: keys are >= 0, so truncation is floor; the comparison also sends NaN to the last bin. */
function binOf(key: number): number {
  const scaled = key * BINS_PER_NAT;
  return scaled < BIN_COUNT - 1 ? scaled | 0 : BIN_COUNT - 1;
}

/** Adds item i's mass to bin b, and i to the bin's members: a linked list, so the crossing bin is read without another pass. */
function fileInBin(i: number, b: number, w: number): void {
  binMass[b] = binMass[b]! + w;
  cNext[i] = binHead[b]!;
  binHead[b] = i;
}

/**
 * The last key kept from the crossing bin's members (candidate indices into cKey and cW), walked in ascending key
 * order: each is kept while the mass before it is below the target, and so are ties with the last one kept. The
 * first is always kept: the mass before the crossing bin is below the target by construction (and a fraction of 0
 * still keeps one token, HF's min_tokens_to_keep = 1).
 */
function lastKeptKey(members: Int32Array, before: number, target: number): number {
  members.sort((x, y) => cKey[x]! - cKey[y]!);
  let lastKey = cKey[members[0]!]!;
  let mass = before + cW[members[0]!]!;
  for (let j = 1; j < members.length; j++) {
    const key = cKey[members[j]!]!;
    if (mass < target || key === lastKey) {
      mass += cW[members[j]!]!;
      lastKey = key;
    } else {
      break;
    }
  }
  return lastKey;
}

/** The first non-empty bin at which the running mass reaches `target`, and the mass of the bins before it. */
function crossingBin(target: number): { cross: number; before: number } {
  let before = 0;
  let cross = -1;
  for (let b = 0; b < BIN_COUNT; b++) {
    if (binHead[b] === -1) continue;
    cross = b;
    if (before + binMass[b]! >= target) break;
    before += binMass[b]!;
  }
  return { cross, before };
}
