import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AppMode, EngineState, GenerationStats, Settings, SettingsState } from '../electron/shared/api.js';
import type { ApiClient } from './transport/api-client.js';
import type { LinkStatus } from './transport/message-link.js';
import { ProseEditor, type EditorHandle } from './editor/ProseEditor.js';
import { ContinuationSession, type ContinuationCard } from './editor/continuation.js';
import { countWords } from './editor/word-count.js';
import { StatusBar } from './panels/StatusBar.js';
import { CandidatesPanel } from './panels/CandidatesPanel.js';
import { SettingsPanel } from './panels/SettingsPanel.js';
import { NoticeBar } from './panels/NoticeBar.js';
import { noticesFor } from './state/notices.js';

// One side panel at a time. The drafts library and the model store add their panels here.
type Panel = 'none' | 'candidates' | 'settings';

export interface AppProps {
  api: ApiClient;
  mode: AppMode;
  initialEngine: EngineState;
  initialSettings: SettingsState;
}

export function App({ api, mode, initialEngine, initialSettings }: AppProps) {
  const [engine, setEngine] = useState(initialEngine);
  const [settingsState, setSettingsState] = useState(initialSettings);
  const [stats, setStats] = useState<GenerationStats | null>(null);
  const [words, setWords] = useState(0);
  const [link, setLink] = useState<LinkStatus>('open');
  const [panel, setPanel] = useState<Panel>('none');
  const [cards, setCards] = useState<readonly ContinuationCard[]>([]);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());

  const settingsRef = useRef<Settings>(initialSettings.settings);
  settingsRef.current = settingsState.settings;
  // Story memory: the drafts panel (issue 4) sets it per draft; both kinds of generation send it along.
  const memoryRef = useRef('');
  const engineReadyRef = useRef(initialEngine.status === 'ready');
  engineReadyRef.current = engine.status === 'ready';
  const editorRef = useRef<EditorHandle | null>(null);
  const continuationRef = useRef<ContinuationSession | null>(null);
  const wordTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const unsubscribers = [
      api.onEngineState(setEngine),
      api.onSettings(setSettingsState),
      api.onLinkStatus((status) => {
        setLink(status);
        // After a reconnect the services may have moved on (a restart, new settings): catch up.
        if (status === 'open') {
          void api
            .getSnapshot()
            .then((snapshot) => {
              setEngine(snapshot.engine);
              setSettingsState(snapshot.settings);
            })
            .catch(() => undefined);
        }
      }),
    ];
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }, [api]);

  useEffect(() => {
    document.documentElement.dataset.theme = settingsState.settings.theme;
  }, [settingsState.settings.theme]);

  const onEditorReady = useCallback(
    (handle: EditorHandle | null) => {
      editorRef.current = handle;
      continuationRef.current?.close();
      continuationRef.current = handle
        ? new ContinuationSession({
            api,
            editor: handle.editor,
            settings: () => settingsRef.current,
            memory: () => memoryRef.current,
            onCards: setCards,
            onStats: setStats,
            onInserted: (range) => handle.marks.markRange(range),
          })
        : null;
    },
    [api],
  );

  const onText = useCallback((text: string) => {
    clearTimeout(wordTimer.current);
    wordTimer.current = setTimeout(() => setWords(countWords(text)), 150);
  }, []);

  const continueSelection = useCallback(() => {
    if (!engineReadyRef.current) return;
    if (continuationRef.current?.start()) setPanel('candidates');
  }, []);

  const closeCandidates = useCallback(() => {
    continuationRef.current?.close();
    setPanel('none');
    editorRef.current?.editor.focus();
  }, []);

  const insertCard = useCallback((index: number) => {
    if (continuationRef.current?.insert(index)) setPanel('none');
  }, []);

  const saveSettings = useCallback(
    async (settings: Settings) => {
      setSettingsState(await api.saveSettings(settings));
    },
    [api],
  );

  const toggleTheme = useCallback(() => {
    const current = settingsRef.current;
    const next: Settings = { ...current, theme: current.theme === 'dark' ? 'light' : 'dark' };
    setSettingsState((state) => ({ ...state, settings: next }));
    void api.saveSettings(next).catch(() => undefined);
  }, [api]);

  const notices = useMemo(() => noticesFor(engine, settingsState, link).filter((notice) => !dismissed.has(notice.id)), [engine, settingsState, link, dismissed]);
  const ready = engine.status === 'ready';

  return (
    <div className="app">
      <header className="toolbar">
        <span className="brand">Kaituhi</span>
        <span className="spacer" />
        <button type="button" className="text-button" disabled={!ready} onClick={continueSelection} title="Continue selection (Ctrl/Cmd+Enter)" data-testid="continue-button">
          Continue
        </button>
        <button
          type="button"
          className="text-button"
          disabled={!ready}
          title="Suggest now (Alt+\)"
          onClick={() => {
            const editor = editorRef.current?.editor;
            editor?.focus();
            editor?.trigger('toolbar', 'editor.action.inlineSuggest.trigger', { explicit: true });
          }}
        >
          Suggest
        </button>
        <button type="button" className="text-button" onClick={toggleTheme} title="Light or dark" data-testid="theme-toggle">
          {settingsState.settings.theme === 'dark' ? 'Light' : 'Dark'}
        </button>
        <button
          type="button"
          className="text-button"
          onClick={() => setPanel(panel === 'settings' ? 'none' : 'settings')}
          aria-pressed={panel === 'settings'}
          data-testid="settings-button"
        >
          Settings
        </button>
      </header>
      <NoticeBar notices={notices} onDismiss={(id) => setDismissed((current) => new Set(current).add(id))} />
      <main className={`workspace ${panel === 'none' ? '' : 'with-panel'}`}>
        <div className="page">
          <ProseEditor
            api={api}
            theme={settingsState.settings.theme}
            settingsRef={settingsRef}
            memoryRef={memoryRef}
            engineReadyRef={engineReadyRef}
            onStats={setStats}
            onText={onText}
            onContinueSelection={continueSelection}
            onReady={onEditorReady}
          />
        </div>
        {panel === 'candidates' && (
          <CandidatesPanel cards={cards} onInsert={insertCard} onRegenerate={(index) => continuationRef.current?.regenerate(index)} onClose={closeCandidates} />
        )}
        {panel === 'settings' && <SettingsPanel
            key={settingsState.location}
            state={settingsState}
            activeModelDir={engine.modelDir}
            {...(mode === 'electron' ? { onChooseFolder: () => api.chooseModelFolder() } : {})}
            onSave={saveSettings} onClose={() => setPanel('none')} />}
      </main>
      <StatusBar engine={engine} stats={stats} words={words} link={link} />
    </div>
  );
}
