import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { GenerationStats, KaituhiApi, Settings, ThemeName } from '../../electron/shared/api.js';
import type { SuggestionMode } from '../../electron/common/suggestion-mode.js';
import { monaco, PROSE_OPTIONS, THEME_IDS } from './monaco.js';
import { InlineSuggestions } from './inline-provider.js';
import type { FilterCounts } from './suggestion-filters.js';
import { ModelTextMarks } from './model-text-marks.js';
import { setEditorProbe } from './diagnostics.js';
import { CompositionWatch } from './composition.js';
import { i18n } from '../i18n/index.js';
import { storyRequestFields, type StoryContext } from '../../electron/common/lore.js';
import { installAlternatives } from './alternatives.js';
import type { HistoryToken } from '../../electron/common/history.js';
import type { OfferedText } from './shown-suggestions.js';

export interface EditorHandle {
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  readonly marks: ModelTextMarks;
}

export interface ProseEditorProps {
  api: KaituhiApi;
  theme: ThemeName;
  /** Read on every request, so changes apply without re-creating the editor. */
  settingsRef: { readonly current: Settings };
  /** The draft's memory, note and lorebook as requests carry them; read on every request. */
  storyRef: { readonly current: StoryContext };
  /** The ghost-text mode in effect for the open draft. */
  suggestionModeRef: { readonly current: SuggestionMode };
  engineReadyRef: { readonly current: boolean };
  onStats(stats: GenerationStats): void;
  onFiltered(counts: FilterCounts): void;
  /** Ctrl+Shift+\: automatic ⇄ manual for what decides the mode here (the draft's own, else Settings). */
  onToggleSuggestionMode(): void;
  /** The text changed, or another draft was loaded; the text itself is read from the model only if needed (a 10 MB draft). */
  onText(): void;
  onContinueSelection(): void;
  onReady(handle: EditorHandle | null): void;
  /**
   * Ghost text offered at `offset` (best first, with its tokens), and ghost text (or part of it) accepted at
   * `offset`: the history tree records both, and answers an accept with the suggestion's tokens, so its words keep
   * their alternatives.
   */
  onSuggestionsOffered(offset: number, offered: readonly OfferedText[]): void;
  onSuggestionAccepted(offset: number, text: string): readonly HistoryToken[];
  /** The writer picked alternative `index` of the model-written token at `tokenStart`. */
  onPickAlternative(tokenStart: number, index: number): void;
}

const MARK_COMMAND = 'kaituhi.markModelText';

/** The Kaituhi actions in the editor's context menu and keys, labelled in the interface's language. */
function addActions(
  editor: monaco.editor.IStandaloneCodeEditor,
  t: TFunction,
  handlers: { onContinueSelection(): void; onToggleSuggestionMode(): void; showAlternatives(): boolean },
): monaco.IDisposable[] {
  return [
    editor.addAction({
      id: 'kaituhi.showAlternatives',
      label: t('editor.showAlternatives'),
      keybindings: [monaco.KeyMod.Alt | monaco.KeyCode.DownArrow],
      // Elsewhere Alt+Down keeps Monaco's own meaning (move the line down).
      run: (target) => {
        if (!handlers.showAlternatives()) target.trigger('keyboard', 'editor.action.moveLinesDownAction', null);
      },
    }),
    editor.addAction({
      id: 'kaituhi.continueSelection',
      label: t('editor.continueSelection'),
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      contextMenuGroupId: 'navigation',
      contextMenuOrder: 0,
      run: () => handlers.onContinueSelection(),
    }),
    editor.addAction({
      id: 'kaituhi.suggestNow',
      label: t('editor.suggestNow'),
      keybindings: [monaco.KeyMod.Alt | monaco.KeyCode.Backslash],
      run: (target) => target.trigger('keyboard', 'editor.action.inlineSuggest.trigger', { explicit: true }),
    }),
    editor.addAction({
      id: 'kaituhi.acceptNextWord',
      label: t('editor.acceptNextWord'),
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.RightArrow],
      precondition: 'inlineSuggestionVisible && !editorReadonly',
      // As Monaco's own: a screen reader's Ctrl+→ moves by word (this action stays in the F1 list for it).
      keybindingContext: 'cursorBeforeGhostText && !accessibilityModeEnabled',
      run: (target) => acceptNextWord(target),
    }),
    editor.addAction({
      id: 'kaituhi.toggleSuggestionMode',
      label: t('editor.toggleSuggestionMode'),
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.Backslash],
      run: () => handlers.onToggleSuggestionMode(),
    }),
  ];
}

/**
 * Ctrl+→ takes the next word of the ghost text with the space before it. Monaco's own accepts up to the start
 * of the next word, so on " the stairs" it took the space alone and the word only on a second press.
 */
async function acceptNextWord(editor: monaco.editor.ICodeEditor): Promise<void> {
  const acceptWord = editor.getAction('editor.action.inlineSuggest.acceptNextWord');
  const model = editor.getModel();
  if (!acceptWord || !model) return;
  for (let press = 0; press < 2; press++) {
    const from = editor.getPosition();
    await acceptWord.run();
    const to = editor.getPosition();
    if (!from || !to || !from.isBefore(to) || model.getValueInRange(monaco.Range.fromPositions(from, to)).trim() !== '') return;
  }
}

/** The Monaco editor in prose mode, with ghost text, model-text marks and the Kaituhi keys. */
export function ProseEditor(props: ProseEditorProps) {
  const { t } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const showAlternativesRef = useRef<() => boolean>(() => false);
  // What a screen reader announces: the text of each suggestion as it comes on screen (VS Code's accessible view does the same).
  const [announcement, setAnnouncement] = useState('');
  // Monaco lives outside React: create it once; callbacks read the latest props through this ref.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const host = container.current;
    if (!host) return;
    const editor = monaco.editor.create(host, { ...PROSE_OPTIONS, theme: THEME_IDS[latest.current.theme] });
    editorRef.current = editor;
    const marks = new ModelTextMarks(editor);
    const ime = new CompositionWatch(editor);
    const disposables: monaco.IDisposable[] = [ime];
    const accepted = (offset: number, text: string) => marks.markAt(offset, text, latest.current.onSuggestionAccepted(offset, text));
    const alternatives = installAlternatives(editor, marks, (start, index) => latest.current.onPickAlternative(start, index));
    showAlternativesRef.current = alternatives.showList;
    disposables.push(...alternatives.disposables);
    const suggestions = new InlineSuggestions({
      api: latest.current.api,
      settings: () => latest.current.settingsRef.current,
      mode: () => latest.current.suggestionModeRef.current,
      story: () => storyRequestFields(latest.current.storyRef.current),
      engineReady: () => latest.current.engineReadyRef.current,
      hasSelection: () => !(editor.getSelection()?.isEmpty() ?? true),
      composing: () => ime.composing,
      onStats: (stats) => latest.current.onStats(stats),
      markCommandId: MARK_COMMAND,
      markAccepted: accepted,
      onShown: (shown) => {
        setAnnouncement(
          i18n.t('editor.suggestionAnnouncement', { text: shown.text.trim(), index: shown.index + 1, count: shown.alternatives.length }),
        );
      },
      onOffered: (offset, offered) => latest.current.onSuggestionsOffered(offset, offered),
      onFiltered: (counts) => latest.current.onFiltered(counts),
    });

    disposables.push(
      monaco.editor.registerCommand(MARK_COMMAND, (_accessor, offset: unknown, text: unknown) => {
        if (typeof offset !== 'number' || typeof text !== 'string') return;
        accepted(offset, text);
        suggestions.accepted(editor, offset, text);
      }),
      monaco.languages.registerInlineCompletionsProvider({ language: 'markdown' }, suggestions),
      editor.onDidChangeModelContent((event) => {
        const model = editor.getModel();
        if (model) suggestions.contentChanged(model, event);
        latest.current.onText();
      }),
      // A draft loaded into the editor is a new model, not a content change; the word count must follow it too.
      editor.onDidChangeModel(() => latest.current.onText()),
    );

    setEditorProbe({
      text: () => editor.getValue(),
      textLength: () => editor.getModel()?.getValueLength() ?? 0,
      markedTexts: () => marks.ranges().map((range) => editor.getModel()?.getValueInRange(range) ?? ''),
      pointAt: (offset) => {
        const model = editor.getModel();
        const seen = model ? editor.getScrolledVisiblePosition(model.getPositionAt(offset)) : null;
        const box = editor.getDomNode()?.getBoundingClientRect();
        const width = editor.getOption(monaco.editor.EditorOption.fontInfo).typicalHalfwidthCharacterWidth;
        return seen && box ? { x: box.left + seen.left + width / 2, y: box.top + seen.top + seen.height / 2 } : null;
      },
    });
    latest.current.onReady({ editor, marks });
    editor.focus();
    return () => {
      editorRef.current = null;
      latest.current.onReady(null);
      setEditorProbe(null);
      for (const disposable of disposables) disposable.dispose();
      marks.dispose();
      editor.getModel()?.dispose();
      editor.dispose();
    };
  }, []);

  useEffect(() => {
    monaco.editor.setTheme(THEME_IDS[props.theme]);
  }, [props.theme]);

  // The placeholder and the context menu follow a language switch at once.
  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    editor.updateOptions({ placeholder: t('editor.placeholder') });
    const actions = addActions(editor, t, {
      onContinueSelection: () => latest.current.onContinueSelection(),
      onToggleSuggestionMode: () => latest.current.onToggleSuggestionMode(),
      showAlternatives: () => showAlternativesRef.current(),
    });
    return () => actions.forEach((action) => action.dispose());
  }, [t]);

  return (
    <>
      <div className="editor-host" ref={container} data-testid="editor" />
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="suggestion-announcer">
        {announcement}
      </div>
    </>
  );
}
