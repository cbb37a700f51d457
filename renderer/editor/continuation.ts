import type { GenerationHandle, GenerationStats, KaituhiApi, Settings } from '../../electron/shared/api.js';
import { monaco } from './monaco.js';
import { promptStart } from '../../electron/common/prompt-window.js';
import type { StoryFields } from '../../electron/common/lore.js';
import { splitTrailingSpaces, fitToCursor } from './prompt-text.js';
import { steeringRequestFields } from '../../electron/common/steering.js';
import { HISTORY_LIMITS, type HistoryToken } from '../../electron/common/history.js';
import { historyTokens, type TokenWeighing } from './shown-suggestions.js';

export type CardStatus = 'streaming' | 'done' | 'failed' | 'cancelled';

export interface ContinuationCard {
  readonly index: number;
  readonly text: string;
  readonly status: CardStatus;
  readonly error: string | null;
}

export interface ContinuationDeps {
  api: KaituhiApi;
  editor: monaco.editor.ICodeEditor;
  settings(): Settings;
  /** The draft's memory, author's note and lorebook, which the engine assembles around the prompt. */
  story(): StoryFields;
  onCards(cards: readonly ContinuationCard[]): void;
  onStats(stats: GenerationStats): void;
  /**
   * Marks an inserted continuation as model-written, with its tokens' alternatives (offsets into the range);
   * `node` is its history node (see onCardWritten).
   */
  onInserted(range: monaco.IRange, node: string | null, tokens: readonly HistoryToken[]): void;
  /**
   * A card stopped writing with text (finished, or was replaced by Regenerate): the history tree records the
   * text it would insert at `offset`, and answers with its node.
   */
  onCardWritten(offset: number, text: string, regenerated: boolean): string | null;
}

/**
 * "Continue selection": the selected passage (with everything before it as context) is the prompt; N
 * candidates stream into cards; picking one inserts it right after the selection as one undo step.
 * With no selection, the text before the cursor is the prompt.
 */
export class ContinuationSession {
  #cards: ContinuationCard[] = [];
  readonly #handles = new Map<number, GenerationHandle>();
  /** A zero-width tracked decoration: where the continuation goes, kept in place while the writer edits elsewhere. */
  #anchorId: string | null = null;
  #prompt = '';
  #trailing = '';
  /** Regenerations so far: varies a fixed seed, or Regenerate would write the same card again. */
  #round = 0;
  /** Each card's history node, once it has stopped writing; and the cards Regenerate wrote. */
  readonly #nodes = new Map<number, string | null>();
  readonly #regenerated = new Set<number>();
  /** What the model weighed at each token of each card, as they streamed. */
  readonly #tokens = new Map<number, TokenWeighing[]>();

  readonly #deps: ContinuationDeps;

  constructor(deps: ContinuationDeps) {
    this.#deps = deps;
  }

  get cards(): readonly ContinuationCard[] {
    return this.#cards;
  }

  /** Starts from the editor's current selection; returns false when there is nothing to continue. */
  start(): boolean {
    const model = this.#deps.editor.getModel();
    const selection = this.#deps.editor.getSelection();
    if (!model || !selection) return false;
    const end = selection.getEndPosition();
    const before = model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(promptStart(model.getOffsetAt(end))), end));
    const { prompt, trailing } = splitTrailingSpaces(before);
    if (prompt.trim().length === 0) return false;
    this.cancel();
    this.#prompt = prompt;
    this.#trailing = trailing;
    this.#anchorId =
      model.deltaDecorations(this.#anchorId ? [this.#anchorId] : [], [
        {
          range: monaco.Range.fromPositions(end),
          options: { stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges },
        },
      ])[0] ?? null;
    const count = this.#deps.settings().continuation.candidates;
    this.#nodes.clear();
    this.#regenerated.clear();
    this.#tokens.clear();
    this.#cards = Array.from({ length: count }, (_, index) => ({ index, text: '', status: 'streaming', error: null }));
    this.#publish();
    this.#run(Array.from({ length: count }, (_, index) => index));
    return true;
  }

  /** Replaces one card with a fresh candidate; the cards still streaming beside it stream on. */
  regenerate(index: number): void {
    if (!this.#cards[index]) return;
    this.#release(index);
    // What it had written so far was shown too.
    this.#record(index);
    this.#nodes.delete(index);
    this.#tokens.delete(index);
    this.#regenerated.add(index);
    this.#update(index, { text: '', status: 'streaming', error: null });
    this.#round += 1;
    this.#run([index]);
  }

  /** Inserts a card after the selection as a single undo step; returns the inserted range. */
  insert(index: number): monaco.Range | null {
    const card = this.#cards[index];
    const model = this.#deps.editor.getModel();
    const anchor = this.#anchorId && model ? model.getDecorationRange(this.#anchorId) : null;
    if (!card || !model || !anchor || card.text.length === 0) return null;
    this.#record(index);
    const text = fitToCursor(card.text, this.#trailing);
    const tokens = historyTokens(this.#tokens.get(index), text.length - card.text.length, text.length);
    const at = anchor.getStartPosition();
    const startOffset = model.getOffsetAt(at);
    const editor = this.#deps.editor;
    editor.pushUndoStop();
    editor.executeEdits('kaituhi.continue', [{ range: monaco.Range.fromPositions(at), text, forceMoveMarkers: true }], () => {
      const endPosition = model.getPositionAt(startOffset + text.length);
      return [monaco.Selection.fromPositions(endPosition)];
    });
    editor.pushUndoStop();
    const inserted = monaco.Range.fromPositions(at, model.getPositionAt(startOffset + text.length));
    this.#deps.onInserted(inserted, this.#nodes.get(index) ?? null, tokens);
    this.close();
    editor.focus();
    return inserted;
  }

  cancel(): void {
    for (const handle of new Set(this.#handles.values())) handle.cancel();
    this.#handles.clear();
  }

  /**
   * Stops showing what one card's request streams. The cards of a batch share one request, so it is
   * cancelled only when no card is left listening to it.
   */
  #release(index: number): void {
    const handle = this.#handles.get(index);
    if (!handle) return;
    this.#handles.delete(index);
    if (![...this.#handles.values()].includes(handle)) handle.cancel();
  }

  close(): void {
    this.cancel();
    const model = this.#deps.editor.getModel();
    if (this.#anchorId && model && !model.isDisposed()) model.deltaDecorations([this.#anchorId], []);
    this.#anchorId = null;
    this.#cards = [];
    this.#publish();
  }

  /** One request per batch: the candidates share one prefill, card i showing candidate i. */
  #run(indices: readonly number[]): void {
    const settings = this.#deps.settings();
    const { seed } = settings.sampler;
    const sampler =
      seed === undefined || this.#round === 0 ? settings.sampler : { ...settings.sampler, seed: (seed + this.#round * 7919) % 2 ** 32 };
    const handle = this.#deps.api.generate(
      {
        ...this.#deps.story(),
        context: this.#prompt,
        maxTokens: settings.continuation.maxTokens,
        candidates: indices.length,
        sampler,
        stopAt: 'none',
        topAlternatives: HISTORY_LIMITS.alternatives,
        // The writer's bans and phrase bias (Settings → Steering).
        ...steeringRequestFields(settings.steering),
      },
      (event) => {
        if (event.type === 'stats') return;
        const index = indices[event.candidate];
        if (index === undefined || this.#handles.get(index) !== handle) return;
        const card = this.#cards[index];
        if (!card) return;
        if (event.type === 'token') {
          if (event.alternatives) this.#tokens.set(index, [...(this.#tokens.get(index) ?? []), event.alternatives]);
          this.#update(index, { text: card.text + event.text });
        } else this.#update(index, { text: event.text, status: event.reason === 'aborted' ? 'cancelled' : 'done' });
      },
    );
    for (const index of indices) this.#handles.set(index, handle);
    void handle.finished.then((outcome) => {
      if (outcome.stats) this.#deps.onStats(outcome.stats);
      for (const index of indices) {
        if (this.#handles.get(index) !== handle) continue;
        this.#handles.delete(index);
        const card = this.#cards[index];
        if (!card || card.status !== 'streaming') continue;
        if (outcome.error) this.#update(index, { status: 'failed', error: outcome.error });
        else this.#update(index, { status: outcome.cancelled ? 'cancelled' : 'done' });
      }
    });
  }

  #update(index: number, change: Partial<Omit<ContinuationCard, 'index'>>): void {
    const card = this.#cards[index];
    if (!card) return;
    this.#cards = this.#cards.map((existing) => (existing.index === index ? { ...existing, ...change } : existing));
    if (card.status === 'streaming' && change.status !== undefined && change.status !== 'streaming') this.#record(index);
    this.#publish();
  }

  /** Records a card's text in the history once, where it would be inserted. */
  #record(index: number): void {
    const card = this.#cards[index];
    const model = this.#deps.editor.getModel();
    const anchor = this.#anchorId && model ? model.getDecorationRange(this.#anchorId) : null;
    if (!card || !model || !anchor || card.text.trim().length === 0 || this.#nodes.has(index)) return;
    const offset = model.getOffsetAt(anchor.getStartPosition());
    this.#nodes.set(index, this.#deps.onCardWritten(offset, fitToCursor(card.text, this.#trailing), this.#regenerated.has(index)));
  }

  #publish(): void {
    this.#deps.onCards(this.#cards);
  }
}
