/**
 * Mid-paragraph, GPT-2 cannot fill in the middle; instead the engine scores how well each decoded alternative
 * leads into the text after the cursor: log P(the next tokens of that text | text before + alternative), its
 * joining score. The alternatives are shown best first.
 */

export interface Scored {
  /** The engine's joining score (a log-probability, ≤ 0), or null when there was no text after the cursor to join. */
  readonly joinScore: number | null;
}

/** Highest joining score first; alternatives without one keep the engine's order, after those with one. */
export function bestFirst<T extends Scored>(alternatives: readonly T[]): T[] {
  // Array.prototype.sort is stable: equal scores keep the order the engine decoded them in.
  return [...alternatives].sort((a, b) => {
    if (a.joinScore === null || b.joinScore === null) return a.joinScore === null ? (b.joinScore === null ? 0 : 1) : -1;
    return b.joinScore - a.joinScore;
  });
}
