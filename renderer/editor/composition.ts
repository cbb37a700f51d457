import { monaco } from './monaco.js';

/**
 * Whether an input method is composing in the editor (pinyin being turned into 汉字, kana into kanji). Chinese,
 * Japanese and Korean writers type almost everything this way. While a composition runs the text in the editor
 * is not the writer's yet: nothing is asked of the model, and no suggestion is shown or accepted. When the
 * composition is committed, the usual pause before a suggestion starts, as after a keystroke.
 */
export class CompositionWatch implements monaco.IDisposable {
  #composing = false;
  readonly #subscriptions: monaco.IDisposable[];

  constructor(editor: monaco.editor.ICodeEditor) {
    this.#subscriptions = [
      editor.onDidCompositionStart(() => {
        this.#composing = true;
      }),
      editor.onDidCompositionEnd(() => {
        this.#composing = false;
        // The committed text may equal what was composed, which changes nothing in the model and so asks for no
        // suggestion by itself: ask here, as an automatic trigger, so the debounce applies.
        editor.trigger('ime', 'editor.action.inlineSuggest.trigger', { explicit: false });
      }),
    ];
  }

  get composing(): boolean {
    return this.#composing;
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.dispose();
  }
}
