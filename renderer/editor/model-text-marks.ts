import { monaco } from './monaco.js';
import { i18n } from '../i18n/index.js';
import type { HistoryToken } from '../../electron/common/history.js';

interface Mark {
  id: string;
  text: string;
  /** What the model weighed at each of its tokens, offsets from the mark's start, in order; empty when not known. */
  tokens: HistoryToken[];
}

/** A model-written token found at an offset: the mark it belongs to, where the token's text lies, what the model weighed there. */
export interface MarkedToken {
  readonly mark: monaco.Range;
  /** Offsets in the draft: the token's text and the end of the mark it belongs to. */
  readonly start: number;
  readonly end: number;
  readonly markStart: number;
  readonly markEnd: number;
  readonly token: HistoryToken;
  /** The mark's tokens before this one, and after it (offsets from the mark's start). */
  readonly before: readonly HistoryToken[];
  readonly after: readonly HistoryToken[];
}

/**
 * Keeps model-written passages subtly marked until the writer edits them. A mark remembers the text it
 * covered; after every change, any mark whose text is no longer the same (typed into, cut, rewritten)
 * is dropped. Typing at its edges does not grow it, so the writer's own words are never marked.
 */
export class ModelTextMarks {
  readonly #marks = new Map<string, Mark>();
  readonly #subscription: monaco.IDisposable;

  readonly #editor: monaco.editor.ICodeEditor;

  constructor(editor: monaco.editor.ICodeEditor) {
    this.#editor = editor;
    this.#subscription = editor.onDidChangeModelContent(() => this.#dropEdited());
  }

  /**
   * Marks the longest prefix of `text` that stands in the document at `offset` (all of it after a full accept),
   * with the tokens of that prefix (offsets into `text`).
   */
  markAt(offset: number, text: string, tokens: readonly HistoryToken[] = []): void {
    const model = this.#editor.getModel();
    if (!model) return;
    const start = model.getPositionAt(offset);
    const present = model.getValueInRange(monaco.Range.fromPositions(start, model.getPositionAt(offset + text.length)));
    let length = 0;
    while (length < text.length && present[length] === text[length]) length += 1;
    if (text.slice(0, length).trim().length === 0) return;
    this.#add(
      monaco.Range.fromPositions(start, model.getPositionAt(offset + length)),
      tokens.filter(([at]) => at < length),
    );
  }

  /** Marks a range the app just inserted (a continuation card, a node put in from the history, a picked alternative). */
  markRange(range: monaco.IRange, tokens: readonly HistoryToken[] = []): void {
    this.#add(range, tokens);
  }

  /**
   * Gives marks back what the model weighed at their tokens (after a reload the draft's spans come without
   * it; the history tree has it): each piece's tokens, offsets from `start`, join the mark that holds it.
   */
  attachTokens(pieces: readonly { readonly start: number; readonly tokens: readonly HistoryToken[] }[]): void {
    const model = this.#editor.getModel();
    if (!model) return;
    for (const piece of pieces) {
      for (const mark of this.#marks.values()) {
        const range = model.getDecorationRange(mark.id);
        if (!range) continue;
        const markStart = model.getOffsetAt(range.getStartPosition());
        if (piece.start < markStart || piece.start >= model.getOffsetAt(range.getEndPosition())) continue;
        const shift = piece.start - markStart;
        const known = new Set(mark.tokens.map(([at]) => at));
        const added = piece.tokens.map(([at, logprob, alternatives]): HistoryToken => [at + shift, logprob, alternatives]);
        mark.tokens = [...mark.tokens, ...added.filter(([at]) => at < mark.text.length && !known.has(at))].sort((a, b) => a[0] - b[0]);
        break;
      }
    }
  }

  /**
   * The model-written token of the word at `offset`: the token in which the word starts (GPT-2's tokens carry
   * the space before a word). Null outside marks, or where the alternatives are not known.
   */
  tokenAt(offset: number): MarkedToken | null {
    return this.#findToken((text, markStart) => {
      if (offset < markStart || offset > markStart + text.length) return null;
      return markStart + startOfWord(text, offset - markStart);
    }, false);
  }

  /** The model-written token whose text starts exactly at `start` (what a pick names). */
  tokenStartingAt(start: number): MarkedToken | null {
    return this.#findToken((text, markStart) => (start >= markStart && start < markStart + text.length ? start : null), true);
  }

  /** The last token of a mark that starts at or before the offset `place` gives for it (exactly there, when `exact`). */
  #findToken(place: (text: string, markStart: number) => number | null, exact: boolean): MarkedToken | null {
    const model = this.#editor.getModel();
    if (!model) return null;
    for (const mark of this.#marks.values()) {
      const range = model.getDecorationRange(mark.id);
      if (!range || mark.tokens.length === 0) continue;
      const markStart = model.getOffsetAt(range.getStartPosition());
      const at = place(mark.text, markStart);
      if (at === null) continue;
      let index = -1;
      for (let i = 0; i < mark.tokens.length && mark.tokens[i]![0] <= at - markStart; i++) index = i;
      const token = mark.tokens[index];
      if (!token || (exact && markStart + token[0] !== at)) continue;
      const next = mark.tokens[index + 1];
      return {
        mark: range,
        start: markStart + token[0],
        end: markStart + (next ? next[0] : mark.text.length),
        markStart,
        markEnd: model.getOffsetAt(range.getEndPosition()),
        token,
        before: mark.tokens.slice(0, index),
        after: mark.tokens.slice(index + 1),
      };
    }
    return null;
  }

  /**
   * A draft was loaded into the editor (a new Monaco model): the old decorations belong to the old model,
   * so forget them and mark the draft's saved spans (UTF-16 offsets) instead.
   */
  replaceAll(spans: readonly { readonly start: number; readonly end: number }[]): void {
    this.#marks.clear();
    const model = this.#editor.getModel();
    if (!model) return;
    for (const span of spans) this.#add(monaco.Range.fromPositions(model.getPositionAt(span.start), model.getPositionAt(span.end)), []);
  }

  /** The marked spans as offsets, for the draft's metadata (exports keep, mark or strip them). */
  spans(): { start: number; end: number }[] {
    const model = this.#editor.getModel();
    if (!model) return [];
    return this.ranges().map((range) => ({
      start: model.getOffsetAt(range.getStartPosition()),
      end: model.getOffsetAt(range.getEndPosition()),
    }));
  }

  /** Ranges still marked, in document order (tests and export read them). */
  ranges(): monaco.Range[] {
    const model = this.#editor.getModel();
    if (!model) return [];
    return [...this.#marks.keys()]
      .map((id) => model.getDecorationRange(id))
      .filter((range): range is monaco.Range => range !== null)
      .sort((a, b) => monaco.Range.compareRangesUsingStarts(a, b));
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#editor.getModel()?.deltaDecorations([...this.#marks.keys()], []);
    this.#marks.clear();
  }

  #add(range: monaco.IRange, tokens: readonly HistoryToken[]): void {
    const model = this.#editor.getModel();
    if (!model) return;
    const text = model.getValueInRange(range);
    if (text.length === 0) return;
    const [id] = model.deltaDecorations(
      [],
      [
        {
          range,
          options: {
            inlineClassName: 'kaituhi-model-text',
            hoverMessage: { value: i18n.t('editor.modelText') },
            stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
          },
        },
      ],
    );
    if (id) this.#marks.set(id, { id, text, tokens: tokens.filter(([at]) => at < text.length) });
  }

  #dropEdited(): void {
    const model = this.#editor.getModel();
    if (!model) return;
    const stale: string[] = [];
    for (const mark of this.#marks.values()) {
      const range = model.getDecorationRange(mark.id);
      if (!range || model.getValueInRange(range) !== mark.text) stale.push(mark.id);
    }
    if (stale.length === 0) return;
    model.deltaDecorations(stale, []);
    for (const id of stale) this.#marks.delete(id);
  }
}

/** Where the word around `index` starts in `text`: back over letters, digits and marks (a Han character stands alone). */
function startOfWord(text: string, index: number): number {
  const wordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}\p{M}'’]/u.test(ch);
  const han = (ch: string | undefined) => ch !== undefined && /\p{Script=Han}/u.test(ch);
  let start = Math.min(index, text.length);
  // On a space or punctuation right after a word, the word before is meant (the caret sits after what was read).
  if (start > 0 && !wordChar(text[start])) start -= 1;
  while (start > 0 && wordChar(text[start - 1]) && !han(text[start - 1]) && !han(text[start])) start -= 1;
  return start;
}
