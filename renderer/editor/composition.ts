import { monaco } from './monaco.js';

/**
 * Whether an input method is composing in the editor (pinyin being turned into 汉字, kana into kanji). Chinese,
 * Japanese and Korean writers type almost everything this way. While a composition runs the text in the editor
 * is not the writer's yet: nothing is asked of the model (the inline provider checks `composing`), no suggestion
 * is shown (Monaco hides ghost text during a composition), and the keys that accept one (Tab, Ctrl/Cmd+→) do
 * nothing, so they cannot commit or mangle the half-typed composition. The commit is an edit like a keystroke:
 * Monaco asks the provider again and the usual debounce runs from there.
 */
export class CompositionWatch implements monaco.IDisposable {
  #composing = false;
  readonly #dispose: Array<() => void>;

  constructor(editor: monaco.editor.ICodeEditor) {
    const subscriptions = [
      editor.onDidCompositionStart(() => {
        this.#composing = true;
      }),
      editor.onDidCompositionEnd(() => {
        this.#composing = false;
      }),
    ];
    // Capture phase on the editor's outer node: ahead of Monaco's own key handling and its keybindings.
    const host = editor.getContainerDomNode();
    const onKeyDown = (event: KeyboardEvent): void => {
      if (this.#composing && isAcceptKey(event)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    host.addEventListener('keydown', onKeyDown, true);
    this.#dispose = [...subscriptions.map((s) => () => s.dispose()), () => host.removeEventListener('keydown', onKeyDown, true)];
  }

  get composing(): boolean {
    return this.#composing;
  }

  dispose(): void {
    for (const dispose of this.#dispose) dispose();
  }
}

/** Tab accepts a suggestion, Ctrl/Cmd+→ its next word. */
function isAcceptKey(event: KeyboardEvent): boolean {
  if (event.key === 'Tab') return true;
  return event.key === 'ArrowRight' && (event.ctrlKey || event.metaKey);
}
