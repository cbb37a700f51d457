/**
 * The suggestions on offer and how much of each the writer has taken. Ghost text can be accepted a word at a
 * time; each piece accepted becomes its own node (the rest stays a shown, unaccepted child), so the tree
 * says exactly which words went into the draft and which were only offered.
 */
import type { HistoryOp, HistoryToken } from '../../electron/common/history.js';

interface Offered {
  /** Where the suggestion was shown, and its whole text as offered. */
  readonly offset: number;
  readonly text: string;
  /** Its tokens' alternatives, offsets into `text`; absent when the engine sent none. */
  readonly tokens: readonly HistoryToken[] | undefined;
  /** Characters accepted so far. */
  accepted: number;
  /** The node holding text[accepted…]. */
  tail: string;
}

/** Enough for every alternative of the last few requests; older offers can no longer be accepted. */
const KEPT = 64;

export class SuggestionLedger {
  #offers: Offered[] = [];

  /** A suggestion shown at `offset` and recorded as node `id`. */
  offered(offset: number, text: string, id: string, tokens?: readonly HistoryToken[]): void {
    this.#offers = this.#offers.filter((offer) => !(offer.offset === offset && offer.text === text));
    this.#offers.push({ offset, text, tokens, accepted: 0, tail: id });
    if (this.#offers.length > KEPT) this.#offers.shift();
  }

  /** The node a suggestion offered at `offset` was recorded as, while none of it is accepted. */
  nodeOf(offset: number, text: string): string | null {
    const offer = this.#find(offset, text);
    return offer && offer.accepted === 0 ? offer.tail : null;
  }

  /** The tokens of a suggestion offered at `offset` (offsets into its text); none when unknown. */
  tokensOf(offset: number, text: string): readonly HistoryToken[] {
    return this.#find(offset, text)?.tokens ?? [];
  }

  /**
   * The writer now has the first `length` characters of a suggestion offered at `offset` in the text: the
   * operations that record it (nothing if that much was recorded already, or the offer is unknown).
   * `newId` names the rest when only part of the remaining text was taken.
   */
  accept(offset: number, text: string, length: number, time: number, newId: () => string): HistoryOp[] {
    const offer = this.#find(offset, text);
    if (!offer || length <= offer.accepted) return [];
    const upTo = Math.min(length, text.length);
    const piece = offer.tail;
    const ops: HistoryOp[] = [];
    if (upTo < text.length) {
      offer.tail = newId();
      ops.push({ op: 'split', id: piece, offset: upTo - offer.accepted, tailId: offer.tail });
    }
    const tokens = offer.tokens
      ?.filter(([at]) => at >= offer.accepted && at < upTo)
      .map(([at, logprob, alternatives]): HistoryToken => [at - offer.accepted, logprob, alternatives]);
    ops.push({ op: 'accept', id: piece, time, ...(tokens && tokens.length > 0 ? { tokens } : {}) });
    offer.accepted = upTo;
    return ops;
  }

  /** Forget every offer (another draft was opened). */
  clear(): void {
    this.#offers = [];
  }

  #find(offset: number, text: string): Offered | undefined {
    return this.#offers.findLast((offer) => offer.offset === offset && offer.text === text);
  }
}
