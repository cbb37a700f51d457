import { monaco } from './monaco.js';
import { i18n } from '../i18n/index.js';

interface Mark {
  id: string;
  text: string;
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

  /** Marks the longest prefix of `text` that stands in the document at `offset` (all of it after a full accept). */
  markAt(offset: number, text: string): void {
    const model = this.#editor.getModel();
    if (!model) return;
    const start = model.getPositionAt(offset);
    const present = model.getValueInRange(monaco.Range.fromPositions(start, model.getPositionAt(offset + text.length)));
    let length = 0;
    while (length < text.length && present[length] === text[length]) length += 1;
    if (text.slice(0, length).trim().length === 0) return;
    this.#add(monaco.Range.fromPositions(start, model.getPositionAt(offset + length)));
  }

  /** Marks a range the app just inserted (a continuation card). */
  markRange(range: monaco.IRange): void {
    this.#add(range);
  }

  /**
   * A draft was loaded into the editor (a new Monaco model): the old decorations belong to the old model,
   * so forget them and mark the draft's saved spans (UTF-16 offsets) instead.
   */
  replaceAll(spans: readonly { readonly start: number; readonly end: number }[]): void {
    this.#marks.clear();
    const model = this.#editor.getModel();
    if (!model) return;
    for (const span of spans) this.#add(monaco.Range.fromPositions(model.getPositionAt(span.start), model.getPositionAt(span.end)));
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

  #add(range: monaco.IRange): void {
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
    if (id) this.#marks.set(id, { id, text });
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
