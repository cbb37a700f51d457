/**
 * Monaco, bundled locally: the editor core, its features and only the Markdown grammar. The editor worker
 * is a separate same-origin file (Vite's `?worker`), so the CSP needs no CDN and no eval.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/markdown/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import type { ThemeName } from '../../electron/shared/api.js';

self.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

/**
 * Monaco stops its own async work by rejecting with a CancellationError (name and message "Canceled"), and a few of
 * those promises have no handler: a ghost text replaced within 50 ms cancels the screen-reader announcement of the
 * old one. That is control flow, not a failure; without this the browser reports each one as an uncaught error.
 */
self.addEventListener('unhandledrejection', (event) => {
  const reason: unknown = event.reason;
  if (reason instanceof Error && reason.name === 'Canceled' && reason.message === 'Canceled') event.preventDefault();
});

export { monaco };

export const THEME_IDS: Record<ThemeName, string> = { light: 'kaituhi-light', dark: 'kaituhi-dark' };

monaco.editor.defineTheme(THEME_IDS.light, {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'keyword.md', foreground: '8a5a2b', fontStyle: 'bold' },
    { token: 'strong.md', fontStyle: 'bold' },
    { token: 'emphasis.md', fontStyle: 'italic' },
    { token: 'comment.md', foreground: '8c8c8c' },
  ],
  colors: {
    'editor.background': '#fbf8f3',
    'editor.foreground': '#2b2a28',
    'editor.selectionBackground': '#e7d8bf',
    'editor.lineHighlightBackground': '#00000000',
    'editorCursor.foreground': '#8a5a2b',
    'editorGhostText.foreground': '#9a8f80',
  },
});

monaco.editor.defineTheme(THEME_IDS.dark, {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'keyword.md', foreground: 'd6a86b', fontStyle: 'bold' },
    { token: 'strong.md', fontStyle: 'bold' },
    { token: 'emphasis.md', fontStyle: 'italic' },
  ],
  colors: {
    'editor.background': '#1e1d1b',
    'editor.foreground': '#e6e1d8',
    'editor.selectionBackground': '#4a4032',
    'editor.lineHighlightBackground': '#00000000',
    'editorCursor.foreground': '#d6a86b',
    'editorGhostText.foreground': '#8a8376',
  },
});

/** Prose, not code: no gutter, no minimap, soft wrap, no bracket or quote pairing, no code-centric hints. */
export const PROSE_OPTIONS: monaco.editor.IStandaloneEditorConstructionOptions = {
  language: 'markdown',
  wordWrap: 'on',
  wrappingStrategy: 'advanced',
  wrappingIndent: 'none',
  minimap: { enabled: false },
  lineNumbers: 'off',
  glyphMargin: false,
  folding: false,
  lineDecorationsWidth: 0,
  lineNumbersMinChars: 0,
  renderLineHighlight: 'none',
  scrollBeyondLastLine: false,
  overviewRulerLanes: 0,
  overviewRulerBorder: false,
  hideCursorInOverviewRuler: true,
  scrollbar: { horizontal: 'hidden', verticalScrollbarSize: 10, useShadows: false },
  // Latin faces first, then Song/Ming faces for Chinese and Japanese (Noto Serif CJK / Source Han Serif where installed).
  fontFamily:
    "'Literata', 'Iowan Old Style', 'Palatino Linotype', 'Book Antiqua', Palatino, Georgia, 'DejaVu Serif', 'Noto Serif CJK SC', 'Source Han Serif SC', 'Songti SC', 'SimSun', serif",
  fontSize: 18,
  lineHeight: 30,
  letterSpacing: 0.1,
  padding: { top: 32, bottom: 32 },
  cursorBlinking: 'smooth',
  cursorWidth: 2,
  occurrencesHighlight: 'off',
  selectionHighlight: false,
  matchBrackets: 'never',
  autoClosingBrackets: 'never',
  autoClosingQuotes: 'never',
  autoSurround: 'never',
  quickSuggestions: false,
  suggestOnTriggerCharacters: false,
  wordBasedSuggestions: 'off',
  parameterHints: { enabled: false },
  codeLens: false,
  links: false,
  colorDecorators: false,
  lightbulb: { enabled: monaco.editor.ShowLightbulbIconMode.Off },
  guides: { indentation: false },
  renderWhitespace: 'none',
  stickyScroll: { enabled: false },
  unicodeHighlight: { ambiguousCharacters: false, invisibleCharacters: false, nonBasicASCII: false },
  // The hover toolbar shows which alternative (2/3) is on screen, with arrows for the mouse.
  inlineSuggest: { enabled: true, showToolbar: 'onHover', keepOnBlur: false },
  contextmenu: true,
  automaticLayout: true,
  // The placeholder is set per language when the editor is created (ProseEditor).
  accessibilitySupport: 'auto',
};
