/**
 * Surprise highlighting: the draft read by the model in the background, its words underlined where they
 * surprise the model far more than their neighbours do, long predictable runs shaded. The engine scores in
 * chunks and gives itself to any suggestion that is waiting; here the text goes in pieces, each with the text
 * before it as its context (which the engine's prefix cache already holds), and an edit drops only the scores
 * from the edited word on: what comes before it is never read again.
 */
import type { KaituhiApi, ScoreResult } from '../../electron/shared/api.js';
import { promptStart } from '../../electron/common/prompt-window.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { monaco } from '../editor/monaco.js';
import { i18n } from '../i18n/index.js';
import { readSurprise, wordScores, type ScoredToken, type SurpriseReading } from './statistics.js';
import { recordScoring } from './scoring-log.js';

/** A scored token of the draft: offsets are the draft's, and what the model expected there. */
export interface DraftToken extends ScoredToken {
  readonly top: readonly { readonly text: string; readonly logprob: number }[];
}

export interface SurpriseScorerDeps {
  api: KaituhiApi;
  editor: monaco.editor.ICodeEditor;
  memory(): string;
  /** Scoring stopped on an error it cannot get past (no model, the engine failed), in words. */
  onProblem(message: string | null): void;
}

/** Characters per request: long enough that the engine's chunks, not the requests, set the pace. */
export const PIECE_CHARS = 16_000;
/** What the model expected instead, per surprising word. */
const EXPECTED = 5;
/** Quiet time after an edit before scoring goes on: the writer is usually still typing. */
const QUIET_MS = 700;
/** How far back an edit looks for the start of its word; text without spaces (Chinese) is read again from there. */
const MAX_WORD_CHARS = 200;
/** A draft this long is read from the screen's first paragraph on, not from its start. */
const READ_FROM_START_CHARS = 40_000;

export class SurpriseScorer {
  readonly #deps: SurpriseScorerDeps;
  readonly #decorations: monaco.editor.IEditorDecorationsCollection;
  readonly #subscriptions: monaco.IDisposable[];
  #enabled = false;
  /** Scored tokens, in order, covering [#from, #upTo) of the draft without a gap. */
  #tokens: DraftToken[] = [];
  #from = 0;
  #upTo = 0;
  #running: AbortController | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reading: SurpriseReading = { surprising: [], predictable: [], norm: null };
  /** The decorations last set, in the collection's order. */
  #shown: monaco.editor.IModelDeltaDecoration[] = [];

  constructor(deps: SurpriseScorerDeps) {
    this.#deps = deps;
    this.#decorations = deps.editor.createDecorationsCollection();
    this.#subscriptions = [
      deps.editor.onDidChangeModelContent((event) => this.#edited(event.changes)),
      deps.editor.onDidChangeModel(() => this.#restart()),
    ];
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** The reading as it stands (tests and the status line read it). */
  get reading(): SurpriseReading {
    return this.#reading;
  }

  setEnabled(enabled: boolean): void {
    if (enabled === this.#enabled) return;
    this.#enabled = enabled;
    this.#restart();
  }

  /** The engine came back (or a model was loaded): go on where scoring stopped. */
  resume(): void {
    if (this.#enabled) this.#schedule(0);
  }

  dispose(): void {
    this.#enabled = false;
    this.#stop();
    this.#decorations.clear();
    for (const subscription of this.#subscriptions) subscription.dispose();
  }

  #restart(): void {
    this.#stop();
    this.#tokens = [];
    this.#reading = { surprising: [], predictable: [], norm: null };
    this.#shown = [];
    this.#decorations.clear();
    this.#deps.onProblem(null);
    if (!this.#enabled) return;
    this.#from = this.#upTo = this.#startOffset();
    this.#schedule(0);
  }

  /** Where reading starts: the draft's start, or on a long draft the paragraph at the top of the screen. */
  #startOffset(): number {
    const model = this.#deps.editor.getModel();
    if (!model || model.getValueLength() <= READ_FROM_START_CHARS) return 0;
    const top = this.#deps.editor.getVisibleRanges()[0]?.startLineNumber ?? 1;
    let line = top;
    while (line > 1 && model.getLineContent(line - 1).trim().length > 0) line -= 1;
    return model.getOffsetAt({ lineNumber: line, column: 1 });
  }

  #edited(changes: readonly monaco.editor.IModelContentChange[]): void {
    if (!this.#enabled || changes.length === 0) return;
    const first = Math.min(...changes.map((change) => change.rangeOffset));
    this.#stop();
    if (first < this.#from) {
      // Everything read shifted and lost its context: read again from the new start.
      this.#restart();
      return;
    }
    const model = this.#deps.editor.getModel();
    if (!model) return;
    // From the start of the edited word (a token may carry the space before it), later scores no longer hold.
    const back = Math.max(0, first - MAX_WORD_CHARS);
    const before = model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(back), model.getPositionAt(first)));
    const space = before.search(/\s\S*$/u);
    const cut = space >= 0 ? back + space + 1 : back;
    const kept = this.#tokens.findIndex((token) => token.offset + Math.max(token.text.length, 1) > cut);
    if (kept >= 0) this.#tokens = this.#tokens.slice(0, kept);
    const last = this.#tokens.at(-1);
    this.#upTo = last ? last.offset + last.text.length : this.#from;
    // Marks from the edit on go until their words are read again; the rest stay where Monaco moved them.
    this.#shown = this.#shown.flatMap((decoration, index) => {
      const range = this.#decorations.getRange(index);
      return range && model.getOffsetAt(range.getEndPosition()) <= cut ? [{ ...decoration, range }] : [];
    });
    this.#decorations.set(this.#shown);
    this.#schedule(QUIET_MS);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#run(), delayMs);
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#running?.abort();
    this.#running = null;
  }

  /** Reads the draft piece by piece from where the scores stop, until its end or the next edit. */
  async #run(): Promise<void> {
    const model = this.#deps.editor.getModel();
    if (!this.#enabled || !model || this.#running) return;
    const controller = new AbortController();
    this.#running = controller;
    try {
      while (!controller.signal.aborted && this.#upTo < model.getValueLength()) {
        const start = this.#upTo;
        const end = pieceEnd(model, start);
        const range = (from: number, to: number) => monaco.Range.fromPositions(model.getPositionAt(from), model.getPositionAt(to));
        const memory = this.#deps.memory();
        const log = recordScoring(start, end);
        let result: ScoreResult;
        try {
          result = await this.#deps.api.app.scoreText(
            {
              ...(memory ? { memory } : {}),
              context: model.getValueInRange(range(promptStart(start), start)),
              text: model.getValueInRange(range(start, end)),
              topAlternatives: EXPECTED,
            },
            { signal: controller.signal },
          );
        } finally {
          log.ended = performance.now();
        }
        if (controller.signal.aborted) return;
        log.tokens = result.tokens.length;
        this.#tokens.push(
          ...result.tokens.map((token) => ({
            offset: start + token.offset,
            text: token.text,
            logprob: token.logprob,
            top: (token.top ?? []).map(({ text, logprob }) => ({ text, logprob })),
          })),
        );
        this.#upTo = end;
        this.#show();
        this.#deps.onProblem(null);
      }
    } catch (error) {
      if (!controller.signal.aborted) this.#deps.onProblem(errorMessage(error));
    } finally {
      if (this.#running === controller) this.#running = null;
    }
  }

  #show(): void {
    const model = this.#deps.editor.getModel();
    if (!model) return;
    const text = model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(this.#from), model.getPositionAt(this.#upTo)));
    this.#reading = readSurprise(wordScores(text, this.#tokens, this.#from));
    const range = (start: number, end: number) => monaco.Range.fromPositions(model.getPositionAt(start), model.getPositionAt(end));
    this.#shown = [
      ...this.#reading.predictable.map(({ start, end }) => ({
        range: range(start, end),
        options: { inlineClassName: 'kaituhi-predictable', hoverMessage: { value: i18n.t('surprise.predictable') } },
      })),
      ...this.#reading.surprising.map((mark) => ({
        range: range(mark.start, mark.end),
        options: {
          inlineClassName: 'kaituhi-surprising',
          hoverMessage: { value: expectedWords(this.#tokens[mark.firstToken]?.top ?? []) },
        },
      })),
    ];
    this.#decorations.set(this.#shown);
  }
}

/** The end of the piece that starts at `start`: about PIECE_CHARS on, cut before a space so the next piece starts a word. */
function pieceEnd(model: monaco.editor.ITextModel, start: number): number {
  const length = model.getValueLength();
  if (length - start <= PIECE_CHARS) return length;
  const tail = model.getValueInRange(
    monaco.Range.fromPositions(model.getPositionAt(start + PIECE_CHARS - 2000), model.getPositionAt(start + PIECE_CHARS)),
  );
  const space = tail.search(/\s\S*$/u);
  return space > 0 ? start + PIECE_CHARS - 2000 + space : start + PIECE_CHARS;
}

function expectedWords(top: readonly { text: string; logprob: number }[]): string {
  const words = top
    .map(({ text }) => text.trim())
    .filter((text) => text.length > 0 && !text.includes('\uFFFD'))
    .map((text) => `“${text.replace(/[\\`*_[\]<>]/g, (ch) => `\\${ch}`)}”`);
  const list = new Intl.ListFormat(i18n.language, { type: 'disjunction' }).format(words);
  return words.length > 0 ? i18n.t('surprise.expected', { words: list }) : i18n.t('surprise.surprising');
}
