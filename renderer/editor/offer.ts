/**
 * What the ghost text offered, kept while the writer agrees with it. Typing the ghost's next characters, or
 * accepting its next word (Ctrl+→), leaves the rest on offer: the provider answers Monaco's next question from
 * here, with no request to the engine. A change to the text before the place the suggestions start means they
 * were written for other words, and they go.
 */

export interface Offer {
  /** The Monaco model the suggestions belong to. */
  readonly documentId: string;
  /** Where the suggestions start (a UTF-16 offset into the document). */
  readonly anchor: number;
  /** The text before the anchor the request read (the end of the document, as prompt-window.ts cuts it). */
  readonly before: string;
  /** The alternatives as shown, best first, each fitted to the cursor at the anchor. */
  readonly suggestions: readonly string[];
  /** The inline request that decoded them (the diagnostics ring numbers them). */
  readonly seq: number;
}

/** One alternative still on offer: the whole of it, and what is left of it past what the writer has. */
export interface KeptSuggestion {
  readonly suggestion: string;
  /** Its place in the offer (0 = the first shown). */
  readonly index: number;
  readonly rest: string;
}

/** A content change in the document's coordinates before the change (Monaco's rangeOffset, rangeLength). */
export interface DocumentChange {
  readonly offset: number;
  readonly removed: number;
}

export class OfferKeeper {
  #offer: Offer | null = null;

  get offer(): Offer | null {
    return this.#offer;
  }

  keep(offer: Offer): void {
    this.#offer = offer.suggestions.length > 0 ? offer : null;
  }

  forget(): void {
    this.#offer = null;
  }

  /** Changes at or after the anchor are the writer typing on (checked against the offer when asked); any before it retire the offer. */
  changed(documentId: string, changes: readonly DocumentChange[]): void {
    const offer = this.#offer;
    if (!offer) return;
    if (offer.documentId !== documentId || changes.some((change) => change.offset < offer.anchor)) this.#offer = null;
  }

  /**
   * The alternatives that agree with what now stands between the anchor and the cursor, with what is left of
   * each, in the offer's order (distinct rests only). `written(anchor, cursor)` reads that stretch of the
   * document; it is not called when the cursor is before the anchor or past the longest suggestion.
   */
  rest(documentId: string, cursor: number, written: (anchor: number, cursor: number) => string): KeptSuggestion[] {
    const offer = this.#offer;
    if (!offer || offer.documentId !== documentId || cursor < offer.anchor) return [];
    const longest = Math.max(...offer.suggestions.map((suggestion) => suggestion.length));
    if (cursor - offer.anchor >= longest) return [];
    const typed = written(offer.anchor, cursor);
    const seen = new Set<string>();
    const kept: KeptSuggestion[] = [];
    offer.suggestions.forEach((suggestion, index) => {
      if (suggestion.length <= typed.length || !suggestion.startsWith(typed)) return;
      const rest = suggestion.slice(typed.length);
      if (seen.has(rest)) return;
      seen.add(rest);
      kept.push({ suggestion, index, rest });
    });
    return kept;
  }
}
