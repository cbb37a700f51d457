/**
 * DRY, "don't repeat yourself": penalises the token that would extend a repetition of tokens seen earlier, more
 * the longer the repetition, so a loop is broken before it forms while single repeated words (names) are left
 * alone. As text-generation-webui defines it (modules/sampler_hijack.py, DRYLogitsProcessor, from p-e-w's
 * https://github.com/oobabooga/text-generation-webui/pull/5677; KoboldCpp takes the same four settings,
 * https://github.com/LostRuins/koboldcpp/pull/982):
 *
 * - look at the last `range` tokens (all of them for 0); nothing happens when the last token is a sequence breaker;
 * - for every earlier position i holding the last token, the token after it (next = ids[i + 1]) is a candidate
 *   unless it is a breaker; the match length starts at 1 and grows while ids[i - n] equals the token n places
 *   before the end (ids[-(n + 1)]) and that token is not a breaker, up to 50 (beyond, the penalty would overflow);
 * - each candidate keeps its longest match n, and when n >= allowedLength its logit loses
 *   multiplier * base^(n - allowedLength).
 *
 * Sequence breakers are strings; each stands for the last token of 'a' + string, which is how
 * text-generation-webui turns them into token ids (the token a breaker is at the end of a word).
 */
import type { DrySettings } from '../common/generation.js';

/** text-generation-webui's cap on a match's length. */
const MAX_MATCH = 50;

export class DryPenalty {
  readonly #settings: DrySettings;
  readonly #breakers: ReadonlySet<number>;

  private constructor(settings: DrySettings, breakers: ReadonlySet<number>) {
    this.#settings = settings;
    this.#breakers = breakers;
  }

  /** Null when the settings leave DRY off (absent, or a multiplier of 0). */
  static create(settings: DrySettings | undefined, encode: (text: string) => number[]): DryPenalty | null {
    if (!settings || !(settings.multiplier > 0)) return null;
    const breakers = new Set<number>();
    for (const s of settings.sequenceBreakers) {
      const ids = encode(`a${s}`);
      if (ids.length > 0) breakers.add(ids[ids.length - 1]!);
    }
    return new DryPenalty(settings, breakers);
  }

  /** Subtracts the penalties from `logits` in place, given every token so far. */
  apply(logits: Float32Array, history: readonly number[]): void {
    const { multiplier, base, allowedLength } = this.#settings;
    const range = this.#settings.range ?? 0;
    const ids = range > 0 && history.length > range ? history.slice(history.length - range) : history;
    const n = ids.length;
    if (n < 2) return;
    const last = ids[n - 1]!;
    if (this.#breakers.has(last)) return;
    const longest = new Map<number, number>();
    for (let i = 0; i < n - 1; i++) {
      if (ids[i] !== last) continue;
      const next = ids[i + 1]!;
      if (this.#breakers.has(next)) continue;
      let length = 1;
      while (length < MAX_MATCH) {
        const j = i - length;
        if (j < 0) break;
        const previous = ids[n - 1 - length]!;
        if (ids[j] !== previous || this.#breakers.has(previous)) break;
        length++;
      }
      if (length > (longest.get(next) ?? 0)) longest.set(next, length);
    }
    for (const [token, length] of longest) {
      if (length >= allowedLength && token >= 0 && token < logits.length)
        logits[token] = logits[token]! - multiplier * base ** (length - allowedLength);
    }
  }
}
