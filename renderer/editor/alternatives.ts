/**
 * The alternatives on model-written words: what the model weighed at a word's first token, shown on hover
 * (each a link that picks it) and, for the keyboard, in a list under the word (Alt+Down). Picking one is
 * handed to `onPick`, which rewrites the text from that token on.
 */
import type { HistoryAlternative } from '../../electron/common/history.js';
import { formatNumber, i18n } from '../i18n/index.js';
import { monaco } from './monaco.js';
import type { MarkedToken, ModelTextMarks } from './model-text-marks.js';
import './steer.css';

export const PICK_ALTERNATIVE_COMMAND = 'kaituhi.pickAlternative';

/** An alternative the writer may pick: a byte-level fragment of a character ('\uFFFD') cannot stand alone. */
export function pickable(token: MarkedToken): { alternative: HistoryAlternative; index: number }[] {
  return token.token[2]
    .map((alternative, index) => ({ alternative, index }))
    .filter(({ alternative }) => alternative[0].length > 0 && !alternative[0].includes('\uFFFD'));
}

/** A token's text as a reader sees it: its leading space kept visible, a line break named. */
export function shownToken(text: string): string {
  return text.replace(/\n/g, '↵').replace(/^ /, '␣');
}

export function percentOf(logprob: number): string {
  return `${formatNumber(Math.exp(logprob) * 100, { maximumFractionDigits: 1 })}%`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (ch) => `\\${ch}`);
}

/** Hover content for a model-written word: its alternatives, likeliest first, each a link that picks it. */
export function alternativesHover(marks: ModelTextMarks): monaco.languages.HoverProvider {
  return {
    provideHover(model, position) {
      const found = marks.tokenAt(model.getOffsetAt(position));
      if (!found) return null;
      const written = model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(found.start), model.getPositionAt(found.end)));
      const lines = pickable(found).map(({ alternative: [text, logprob], index }) => {
        const label = escapeMarkdown(shownToken(text));
        const args = encodeURIComponent(JSON.stringify([found.start, index]));
        const chosen = text === written ? ` ${i18n.t('alternatives.written')}` : '';
        return text === written
          ? `- **${label}** ${percentOf(logprob)}${chosen}`
          : `- [${label}](command:${PICK_ALTERNATIVE_COMMAND}?${args}) ${percentOf(logprob)}`;
      });
      if (lines.length === 0) return null;
      return {
        range: monaco.Range.fromPositions(model.getPositionAt(found.start), model.getPositionAt(found.end)),
        contents: [
          { value: `**${i18n.t('alternatives.title')}**  \n${i18n.t('alternatives.hint')}` },
          { value: lines.join('\n'), isTrusted: { enabledCommands: [PICK_ALTERNATIVE_COMMAND] } },
        ],
      };
    },
  };
}

/**
 * The keyboard's way to the same list: a listbox under the word. Up and Down move, Enter picks, Escape (or
 * leaving it) closes it and gives the editor its focus back.
 */
export class AlternativesList implements monaco.editor.IContentWidget {
  readonly #editor: monaco.editor.ICodeEditor;
  readonly #onPick: (tokenStart: number, index: number) => void;
  readonly #node: HTMLElement;
  #position: monaco.IPosition | null = null;
  #open = false;
  /** The list takes the focus once Monaco has put it on the page (after it renders, not when it is added). */
  #focusPending = false;
  /**
   * Escape closes the open list wherever the focus is: before the list has taken it (Monaco draws the widget a
   * frame later), or when it went elsewhere. Listened for on the window, ahead of Monaco's own Escape (which
   * would hide a ghost suggestion instead).
   */
  readonly #escape = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    this.close();
  };

  constructor(editor: monaco.editor.ICodeEditor, onPick: (tokenStart: number, index: number) => void) {
    this.#editor = editor;
    this.#onPick = onPick;
    this.#node = document.createElement('div');
    this.#node.className = 'kaituhi-alternatives';
    this.#node.dataset.testid = 'alternatives-list';
    this.#node.addEventListener('keydown', (event) => this.#key(event));
    this.#node.addEventListener('focusout', (event) => {
      if (!this.#node.contains(event.relatedTarget as Node | null)) this.close(false);
    });
  }

  getId(): string {
    return 'kaituhi.alternatives';
  }

  getDomNode(): HTMLElement {
    return this.#node;
  }

  getPosition(): monaco.editor.IContentWidgetPosition | null {
    if (!this.#position) return null;
    const { BELOW, ABOVE } = monaco.editor.ContentWidgetPositionPreference;
    return { position: this.#position, preference: [BELOW, ABOVE] };
  }

  afterRender(): void {
    if (!this.#focusPending) return;
    this.#focusPending = false;
    (this.#node.firstElementChild as HTMLElement | null)?.focus();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Opens the list for a token; false when it has nothing to offer. */
  show(found: MarkedToken, written: string): boolean {
    const options = pickable(found);
    if (options.length === 0) return false;
    const model = this.#editor.getModel();
    if (!model) return false;
    this.#node.replaceChildren();
    this.#node.setAttribute('role', 'listbox');
    this.#node.setAttribute('aria-label', i18n.t('alternatives.title'));
    for (const { alternative, index } of options) {
      const [text, logprob] = alternative;
      const item = document.createElement('button');
      item.type = 'button';
      item.setAttribute('role', 'option');
      item.tabIndex = -1;
      item.dataset.testid = 'alternative-option';
      const isWritten = text === written;
      item.setAttribute('aria-selected', String(isWritten));
      item.textContent = `${shownToken(text)}  ${percentOf(logprob)}${isWritten ? ` ${i18n.t('alternatives.written')}` : ''}`;
      item.addEventListener('mousedown', (event) => event.preventDefault());
      item.addEventListener('click', () => this.#pick(found.start, index, isWritten));
      item.dataset.index = String(index);
      item.dataset.written = String(isWritten);
      this.#node.append(item);
    }
    this.#position = model.getPositionAt(found.end);
    this.#focusPending = true;
    if (this.#open) this.#editor.layoutContentWidget(this);
    else {
      this.#editor.addContentWidget(this);
      this.#node.ownerDocument.defaultView?.addEventListener('keydown', this.#escape, true);
    }
    this.#open = true;
    return true;
  }

  close(refocus = true): void {
    if (!this.#open) return;
    this.#open = false;
    this.#focusPending = false;
    this.#node.ownerDocument.defaultView?.removeEventListener('keydown', this.#escape, true);
    this.#editor.removeContentWidget(this);
    if (refocus) this.#editor.focus();
  }

  #pick(tokenStart: number, index: number, isWritten: boolean): void {
    this.close();
    if (!isWritten) this.#onPick(tokenStart, index);
  }

  #key(event: KeyboardEvent): void {
    const items = [...this.#node.querySelectorAll<HTMLElement>('[role=option]')];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const next = items[(at + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
      next?.focus();
    } else if (event.key === 'Enter' || event.key === ' ') {
      (items[at] ?? items[0])?.click();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }
}

/**
 * Everything the editor needs for alternatives: the hover, the pick command its links run, and the list for
 * the keyboard. Returns the list's opener for the editor action (false where the caret is not on a model-written
 * word whose alternatives are known), and what to dispose.
 */
export function installAlternatives(
  editor: monaco.editor.ICodeEditor,
  marks: ModelTextMarks,
  onPick: (tokenStart: number, index: number) => void,
): { showList(): boolean; disposables: monaco.IDisposable[] } {
  const list = new AlternativesList(editor, onPick);
  const showList = (): boolean => {
    const model = editor.getModel();
    const position = editor.getPosition();
    const found = model && position ? marks.tokenAt(model.getOffsetAt(position)) : null;
    if (!model || !found) return false;
    const written = model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(found.start), model.getPositionAt(found.end)));
    return list.show(found, written);
  };
  return {
    showList,
    disposables: [
      monaco.languages.registerHoverProvider('markdown', alternativesHover(marks)),
      monaco.editor.registerCommand(PICK_ALTERNATIVE_COMMAND, (_accessor, start: unknown, index: unknown) => {
        if (typeof start === 'number' && typeof index === 'number') onPick(start, index);
      }),
      editor.onDidChangeModelContent(() => list.close(false)),
      { dispose: () => list.close(false) },
    ],
  };
}
