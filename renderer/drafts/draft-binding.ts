import type { KaituhiApi } from '../../electron/shared/api.js';
import type { DraftEdit, DraftPush, ModelSpan, OpenDraft, TextChange } from '../../electron/shared/drafts-api.js';
import { EditQueue } from './edit-queue.js';
import { monaco } from '../editor/monaco.js';
import type { ModelTextMarks } from '../editor/model-text-marks.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { i18n } from '../i18n/index.js';

export type SaveStatus = { readonly kind: 'saved' } | { readonly kind: 'unsaved' } | { readonly kind: 'failed'; readonly message: string };

export interface DraftBindingDeps {
  api: KaituhiApi;
  editor: monaco.editor.IStandaloneCodeEditor;
  marks: ModelTextMarks;
  onStatus(status: SaveStatus): void;
  /** Another program changed the file while the editor held unsaved text. */
  onConflict(diskText: string): void;
}

const CURSOR_DELAY_MS = 600;
/** About a 90,000-word novel; measuring its wraps in the DOM costs about half a second at open. */
export const LARGE_DRAFT_CHARS = 500_000;

/**
 * Ties the editor to one open draft: every change goes to the drafts service as a small edit (the service
 * journals and autosaves about 1 s after the last one), blur saves at once, and a reload from disk or a
 * restored snapshot replaces the editor's text without being echoed back as an edit.
 *
 * Each edit carries the model-written spans as they stand after it. An accepted suggestion or an inserted
 * card is marked just after its text lands (in the same task), so edits wait for the end of that task
 * before they go: the text and its marks then reach the journal together, and no crash can keep one
 * without the other.
 */
export class DraftBinding {
  readonly #disposables: monaco.IDisposable[] = [];
  #applyingServerText = false;
  #pendingEdits = 0;
  readonly #edits: EditQueue;
  #cursorTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  readonly #deps: DraftBindingDeps;

  constructor(
    deps: DraftBindingDeps,
    readonly draft: OpenDraft,
  ) {
    this.#deps = deps;
    this.#edits = new EditQueue({
      send: (edit, modelSpans) => this.#send(edit, modelSpans),
      spans: () => deps.marks.spans(),
    });
    this.#load(draft.text, draft.modelSpans);
    const { editor } = deps;
    if (draft.cursor) {
      const model = editor.getModel();
      if (model) {
        const position = model.getPositionAt(draft.cursor.offset);
        editor.setPosition(position);
        editor.revealPositionInCenterIfOutsideViewport(position);
        if (draft.cursor.scrollTop !== undefined) editor.setScrollTop(draft.cursor.scrollTop);
      }
    }
    this.#disposables.push(
      editor.onDidChangeModelContent((event) => {
        if (this.#applyingServerText || this.#closed) return;
        this.#queueChanges(event.changes.map((c) => ({ offset: c.rangeOffset, deleteCount: c.rangeLength, text: c.text })));
      }),
      editor.onDidBlurEditorText(() => void this.save()),
      editor.onDidChangeCursorPosition(() => this.#scheduleCursor()),
    );
    deps.onStatus(draft.dirty ? { kind: 'unsaved' } : { kind: 'saved' });
    if (draft.conflict) deps.onConflict(draft.conflict.diskText);
  }

  get id(): string {
    return this.draft.id;
  }

  /** Saves now; a failure is shown and the text stays in the editor (and in the service's journal). */
  async save(): Promise<boolean> {
    if (this.#closed) return false;
    // Edits still waiting for the end of their task go first, or the save would overtake them.
    this.#edits.flush();
    try {
      await this.#deps.api.drafts.saveDraft({ id: this.id });
      if (this.#pendingEdits === 0) this.#deps.onStatus({ kind: 'saved' });
      return true;
    } catch (error) {
      this.#deps.onStatus({ kind: 'failed', message: errorMessage(error) });
      return false;
    }
  }

  /** The service's news about this draft. */
  handle(event: DraftPush): void {
    if (!('id' in event) || event.id !== this.id || this.#closed) return;
    switch (event.kind) {
      case 'saved':
        if (this.#pendingEdits === 0) this.#deps.onStatus({ kind: 'saved' });
        return;
      case 'save-failed':
        this.#deps.onStatus({ kind: 'failed', message: event.message });
        return;
      case 'journal-failed':
        this.#deps.onStatus({ kind: 'failed', message: event.message });
        return;
      case 'reloaded':
        this.replaceText(event.text, []);
        return;
      case 'conflict':
        this.#deps.onConflict(event.diskText);
        return;
      case 'deleted-outside':
        this.#deps.onStatus({
          kind: 'failed',
          message: i18n.t('save.deletedOutside'),
        });
        return;
    }
  }

  /** Text that came from the service (a reload, a resolved conflict, a restored snapshot): shown, not sent back. */
  replaceText(text: string, spans: readonly { start: number; end: number }[]): void {
    const { editor } = this.#deps;
    const model = editor.getModel();
    if (!model) return;
    const position = editor.getPosition();
    this.#applyingServerText = true;
    try {
      // An edit (not setValue) so Ctrl+Z can take the replacement back; the undo is then an ordinary change.
      editor.executeEdits('kaituhi.drafts', [{ range: model.getFullModelRange(), text }]);
      editor.pushUndoStop();
    } finally {
      this.#applyingServerText = false;
    }
    this.#deps.marks.replaceAll(spans);
    if (position) editor.setPosition(position);
  }

  /** Stops listening; the caller closes the draft in the service (which saves it). */
  dispose(): void {
    this.#closed = true;
    clearTimeout(this.#cursorTimer);
    for (const disposable of this.#disposables) disposable.dispose();
  }

  #load(text: string, spans: readonly { start: number; end: number }[]): void {
    const { editor } = this.#deps;
    const previous = editor.getModel();
    // Advanced wrapping measures every line's breaks in the DOM when a model is attached: 12 s of one
    // frame for a 10 MB draft (measured in test/e2e/drafts.test.ts). Past LARGE_DRAFT_CHARS, wrap by
    // character widths instead (a slightly less even right edge with a proportional font). Detached
    // first, so switching the strategy never re-wraps the draft being left.
    editor.setModel(null);
    editor.updateOptions({ wrappingStrategy: text.length > LARGE_DRAFT_CHARS ? 'simple' : 'advanced' });
    // A fresh model per draft: undo history and decorations never leak from one draft into another.
    editor.setModel(monaco.editor.createModel(text, 'markdown'));
    previous?.dispose();
    // Monaco's placeholder only looks again when its option changes; without this it sits over the loaded text.
    const placeholder = editor.getOption(monaco.editor.EditorOption.placeholder);
    editor.updateOptions({ placeholder: '' });
    editor.updateOptions({ placeholder });
    this.#deps.marks.replaceAll(spans);
  }

  #queueChanges(changes: TextChange[]): void {
    const model = this.#deps.editor.getModel();
    if (!model) return;
    this.#deps.onStatus({ kind: 'unsaved' });
    this.#edits.push(changes, model.getValueLength());
  }

  #send(edit: DraftEdit, modelSpans: ModelSpan[] | undefined): void {
    if (this.#closed) return;
    this.#pendingEdits += 1;
    this.#deps.api.drafts
      .editDraft({ id: this.id, edit, ...(modelSpans ? { modelSpans } : {}) })
      .catch((error: unknown) => {
        const message = errorMessage(error);
        const model = this.#deps.editor.getModel();
        // The service missed a change (a reconnect, a dropped message): send the whole text once to get back in step.
        if (message.includes('out of sync') && model && !this.#closed)
          this.#send({ kind: 'text', text: model.getValue() }, this.#deps.marks.spans());
        else this.#deps.onStatus({ kind: 'failed', message });
      })
      .finally(() => {
        this.#pendingEdits -= 1;
      });
  }

  #scheduleCursor(): void {
    clearTimeout(this.#cursorTimer);
    this.#cursorTimer = setTimeout(() => {
      const { editor } = this.#deps;
      const model = editor.getModel();
      const position = editor.getPosition();
      if (!model || !position || this.#closed) return;
      void this.#deps.api.drafts
        .setDraftCursor({ id: this.id, cursor: { offset: model.getOffsetAt(position), scrollTop: Math.max(0, editor.getScrollTop()) } })
        .catch(() => undefined);
    }, CURSOR_DELAY_MS);
  }
}
