import type { DraftEdit, ModelSpan, TextChange } from '../../electron/shared/drafts-api.js';

export interface EditQueueDeps {
  /** Sends one edit; `modelSpans` rides along when given. */
  send(edit: DraftEdit, modelSpans: ModelSpan[] | undefined): void;
  /** The model-written spans as the editor marks them now. */
  spans(): ModelSpan[];
}

/**
 * Holds the editor's changes until the end of the task that made them, then sends them with the marks as
 * they stand. An accepted suggestion or an inserted card is marked right after its text lands, in the same
 * task, so the text and its marks leave in one message: the journal gets both or neither, and a crash can
 * never keep the words without knowing the model wrote them.
 */
export class EditQueue {
  #queued: { changes: TextChange[]; length: number }[] = [];

  readonly #deps: EditQueueDeps;

  constructor(deps: EditQueueDeps) {
    this.#deps = deps;
  }

  /** One content event's changes (in the coordinates of the text before it) and the text's length after it. */
  push(changes: TextChange[], length: number): void {
    if (this.#queued.length === 0) queueMicrotask(() => this.flush());
    this.#queued.push({ changes, length });
  }

  /** Sends what is queued now (the end of the task, or a save that must not overtake the edits). */
  flush(): void {
    const queued = this.#queued;
    this.#queued = [];
    // Each event goes as its own edit (their coordinates differ); the marks describe the text after the last.
    queued.forEach(({ changes, length }, index) =>
      this.#deps.send({ kind: 'changes', changes, length }, index === queued.length - 1 ? this.#deps.spans() : undefined),
    );
  }

  /** Forgets queued changes (the draft was let go). */
  clear(): void {
    this.#queued = [];
  }
}
