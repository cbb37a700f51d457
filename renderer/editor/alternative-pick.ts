/**
 * Picking an alternative on a model-written word: the text from that token to the end of its mark is written
 * again, starting with the token the writer picked, and replaces the old text in one edit (one undo step).
 * The old text stays in the history tree as a branch, and the new words keep their own alternatives.
 */
import type { GenerateRequest, KaituhiApi, Settings } from '../../electron/shared/api.js';
import { GENERATION_LIMITS } from '../../electron/common/generation.js';
import { steeringRequestFields } from '../../electron/common/steering.js';
import { HISTORY_LIMITS, type HistoryToken } from '../../electron/common/history.js';
import { promptStart } from '../../electron/common/prompt-window.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { monaco } from './monaco.js';
import type { ModelTextMarks } from './model-text-marks.js';
import { historyTokens } from './shown-suggestions.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { StoryFields } from '../../electron/common/lore.js';

export interface AlternativePickDeps {
  api: KaituhiApi;
  editor: monaco.editor.ICodeEditor;
  marks: ModelTextMarks;
  settings(): Settings;
  /** The draft's memory, author's note and lorebook, as requests carry them. */
  story(): StoryFields;
  history(): HistoryRecorder | null;
  /** Writing the rest again started (true) or ended (false). */
  onBusy(busy: boolean): void;
  onProblem(message: string): void;
}

/** The old text ended a sentence: the new one should too, not stop mid-way at the old length. */
const ENDS_SENTENCE = /[.!?。！？…]["'”’」』)）]*\s*$/u;

export class AlternativePicker {
  readonly #deps: AlternativePickDeps;
  #running: { cancel(): void } | null = null;

  constructor(deps: AlternativePickDeps) {
    this.#deps = deps;
  }

  /**
   * Replaces the token at `tokenStart` by its alternative `index` and writes the rest of its mark again.
   * Resolves true once the new text stands; false when the writer typed meanwhile, or nothing could be written.
   */
  async pick(tokenStart: number, index: number): Promise<boolean> {
    const { editor, marks } = this.#deps;
    const model = editor.getModel();
    const found = marks.tokenStartingAt(tokenStart);
    const alternative = found?.token[2][index];
    if (!model || !found || !alternative) return false;
    this.#running?.cancel();
    const [pickedText, pickedLogprob] = alternative;
    const old = model.getValueInRange(this.#range(model, found.start, found.markEnd));
    const rest = await this.#writeRest(model, found.start, pickedText, found.after.length, ENDS_SENTENCE.test(old));
    if (rest === null) return false;

    const history = this.#deps.history();
    history?.cutAt(found.start);
    const text = pickedText + rest.text;
    editor.pushUndoStop();
    editor.executeEdits(
      'kaituhi.alternative',
      [{ range: this.#range(model, found.start, found.markEnd), text, forceMoveMarkers: true }],
      () => [monaco.Selection.fromPositions(model.getPositionAt(found.start + text.length))],
    );
    editor.pushUndoStop();
    // The edit dropped the old mark; the words before the picked token are still the model's, and so is the new text.
    if (found.start > found.markStart) marks.markRange(this.#range(model, found.markStart, found.start), found.before);
    const tokens: HistoryToken[] = [[0, pickedLogprob, found.token[2]], ...rest.tokens];
    marks.markRange(this.#range(model, found.start, found.start + text.length), tokens);
    const node = history?.alternativeWritten(found.start, { text, tokens });
    if (node) history?.accepted(node, tokens);
    editor.focus();
    return true;
  }

  cancel(): void {
    this.#running?.cancel();
  }

  /** The text after the picked token, written from the draft before it plus the token; null if abandoned. */
  async #writeRest(
    model: monaco.editor.ITextModel,
    at: number,
    picked: string,
    tokensAfter: number,
    sentence: boolean,
  ): Promise<{ text: string; tokens: HistoryToken[] } | null> {
    if (tokensAfter === 0) return { text: '', tokens: [] };
    const version = model.getVersionId();
    const settings = this.#deps.settings();
    const max = GENERATION_LIMITS.maxTokens.max;
    const request: GenerateRequest = {
      ...this.#deps.story(),
      context: model.getValueInRange(this.#range(model, promptStart(at), at)) + picked,
      // About as long as what it replaces; to the sentence's end when that is where the old text stopped.
      maxTokens: Math.min(max, sentence ? tokensAfter + 24 : tokensAfter),
      candidates: 1,
      sampler: settings.sampler,
      stopAt: sentence ? 'sentence' : 'none',
      stream: false,
      topAlternatives: HISTORY_LIMITS.alternatives,
      ...steeringRequestFields(settings.steering),
    };
    const handle = this.#deps.api.generate(request);
    // Any edit meanwhile makes the rewrite stale: the writer's keystroke wins.
    const changed = model.onDidChangeContent(() => handle.cancel());
    this.#running = handle;
    this.#deps.onBusy(true);
    try {
      const outcome = await handle.finished;
      if (outcome.error) this.#deps.onProblem(outcome.error);
      if (outcome.cancelled || outcome.error || model.isDisposed() || model.getVersionId() !== version) return null;
      const rest = outcome.texts[0] ?? '';
      return { text: rest, tokens: historyTokens(outcome.tokens[0], picked.length, picked.length + rest.length) };
    } catch (error) {
      this.#deps.onProblem(errorMessage(error));
      return null;
    } finally {
      changed.dispose();
      if (this.#running === handle) this.#running = null;
      this.#deps.onBusy(false);
    }
  }

  #range(model: monaco.editor.ITextModel, start: number, end: number): monaco.Range {
    return monaco.Range.fromPositions(model.getPositionAt(start), model.getPositionAt(end));
  }
}
