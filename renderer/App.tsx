/**
 * The window: the toolbar, the editor with its side panels, the drafts sidebar and the status bar, and the state
 * that ties them together. It stays one component (about 470 lines) because the refs the editor reads on every
 * keystroke (settings, story, mode, engine readiness) and the panels that change them must share one owner;
 * the pieces with their own logic live in hooks (use-drafts, use-history, use-surprise, use-models) and panels.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppMode, EngineState, GenerationStats, Settings, SettingsState } from '../electron/shared/api.js';
import type { ApiClient } from './transport/api-client.js';
import type { LinkStatus } from './transport/message-link.js';
import { ProseEditor, type EditorHandle } from './editor/ProseEditor.js';
import { ContinuationSession, type ContinuationCard } from './editor/continuation.js';
import { WordCounter } from './editor/word-counter.js';
import { StatusBar } from './panels/StatusBar.js';
import { Toolbar, type Panel } from './panels/Toolbar.js';
import { CandidatesPanel } from './panels/CandidatesPanel.js';
import { SettingsPanel } from './panels/SettingsPanel.js';
import { NoticeBar } from './panels/NoticeBar.js';
import { noticesFor } from './state/notices.js';
import { useDrafts } from './drafts/use-drafts.js';
import { useDraftKeys } from './drafts/draft-keys.js';
import { draftNotices } from './drafts/draft-notices.js';
import { DraftsSidebar } from './drafts/DraftsSidebar.js';
import { DraftPanel } from './drafts/DraftPanel.js';
import { ExportPanel } from './drafts/ExportPanel.js';
import { ConflictBar } from './drafts/ConflictBar.js';
import './drafts/drafts.css';
import { ModelsPanel } from './panels/models/ModelsPanel.js';
import { useModelsState, useOpenModelsOnFirstRun } from './state/use-models.js';
import { applyLanguage } from './i18n/index.js';
import { useHistory } from './history/use-history.js';
import { AlternativePicker } from './editor/alternative-pick.js';
import { useSurprise } from './surprise/use-surprise.js';
import { HistoryPanel } from './history/HistoryPanel.js';
import { presetLabel } from './panels/SteeringSettings.js';
import type { SamplerUsed } from '../electron/common/history.js';

import { LorePanel } from './lore/LorePanel.js';
import { ContextInspector } from './lore/ContextInspector.js';
import { nextSuggestionRequest } from './lore/inspect-request.js';
import { deliverExport } from './drafts/export-delivery.js';
import './lore/lore.css';
import { DEFAULT_NOTE, EMPTY_LOREBOOK, storyRequestFields, type StoryContext } from '../electron/common/lore.js';
import type { LorebookFormat } from '../electron/common/lore-formats.js';
import { effectiveSuggestionMode, type SuggestionMode } from '../electron/common/suggestion-mode.js';
import { noFilterCounts, type FilterCounts } from './editor/suggestion-filters.js';

export interface AppProps {
  api: ApiClient;
  mode: AppMode;
  initialEngine: EngineState;
  initialSettings: SettingsState;
}

export function App({ api, mode, initialEngine, initialSettings }: AppProps) {
  const { t } = useTranslation();
  const [engine, setEngine] = useState(initialEngine);
  const [settingsState, setSettingsState] = useState(initialSettings);
  const [stats, setStats] = useState<GenerationStats | null>(null);
  const [words, setWords] = useState(0);
  const [link, setLink] = useState<LinkStatus>('open');
  const [panel, setPanel] = useState<Panel>('none');
  const models = useModelsState(api);
  useOpenModelsOnFirstRun(
    models,
    engine,
    useCallback(() => setPanel('models'), []),
  );
  const [cards, setCards] = useState<readonly ContinuationCard[]>([]);
  const [filtered, setFiltered] = useState<FilterCounts>(noFilterCounts);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());

  const settingsRef = useRef<Settings>(initialSettings.settings);
  settingsRef.current = settingsState.settings;
  // Memory (the Draft panel), the author's note and the lorebook (the Lore panel), per draft; every request sends them.
  const storyRef = useRef<StoryContext>({ memory: '', note: DEFAULT_NOTE, lorebook: EMPTY_LOREBOOK });
  // Bumped whenever the next suggestion's window may have changed: the context inspector looks again.
  const [inspectVersion, setInspectVersion] = useState(0);
  const bumpInspector = useCallback(() => setInspectVersion((version) => version + 1), []);
  const engineReadyRef = useRef(initialEngine.status === 'ready');
  engineReadyRef.current = engine.status === 'ready';
  const editorRef = useRef<EditorHandle | null>(null);
  const continuationRef = useRef<ContinuationSession | null>(null);
  const alternativePicker = useRef<AlternativePicker | null>(null);
  const [rewriting, setRewriting] = useState(false);
  const [steerProblem, setSteerProblem] = useState<string | null>(null);
  const wordTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // The drafts library, the open draft bound to the editor, its panels and keys.
  const [editorHandle, setEditorHandle] = useState<EditorHandle | null>(null);
  const [wordsVersion, setWordsVersion] = useState(0);
  const drafts = useDrafts(api, editorHandle, storyRef, (command) => {
    if (command === 'export') setPanel('export');
    else if (command === 'snapshot') setPanel('draft');
    else if (command === 'save') void draftsRef.current?.saveNow();
    else void draftsRef.current?.create();
  });
  const draftsRef = useRef(drafts);
  draftsRef.current = drafts;
  // Ghost text comes after a pause or only on Alt+\: the open draft's own choice, else Settings'.
  const draftMode = drafts.current?.suggestionMode ?? null;
  const suggestionMode = effectiveSuggestionMode(settingsState.settings.inline.mode, draftMode);
  const suggestionModeRef = useRef<SuggestionMode>(suggestionMode);
  suggestionModeRef.current = suggestionMode;
  const samplerUsed = useCallback((): SamplerUsed => {
    const { active } = settingsRef.current.presets;
    return { preset: active ? (active.kind === 'own' ? active.name : active.id) : null, settings: settingsRef.current.sampler };
  }, []);
  const history = useHistory(api, editorHandle, drafts.current?.id ?? null, samplerUsed, panel === 'history');
  const historyRef = useRef(history);
  historyRef.current = history;
  const surprise = useSurprise(api, editorHandle, storyRef, engine.status === 'ready');
  useDraftKeys({
    save: () => void drafts.saveNow(),
    exportPanel: () => setPanel((current) => (current === 'export' ? 'none' : 'export')),
    draftPanel: () => setPanel((current) => (current === 'draft' ? 'none' : 'draft')),
    lorePanel: () => setPanel((current) => (current === 'lore' ? 'none' : 'lore')),
    inspector: () => setPanel((current) => (current === 'inspector' ? 'none' : 'inspector')),
  });

  useEffect(() => {
    const unsubscribers = [
      api.onEngineState(setEngine),
      api.onSettings(setSettingsState),
      api.onLinkStatus((status) => {
        setLink(status);
        // After a reconnect the services may have moved on (a restart, new settings): catch up.
        if (status === 'open') {
          void api.app
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

  useEffect(() => {
    applyLanguage(settingsState.settings.language);
  }, [settingsState.settings.language]);

  useEffect(() => {
    document.documentElement.dataset.ghostText = settingsState.settings.inline.italic ? 'italic' : 'upright';
  }, [settingsState.settings.inline.italic]);

  const onEditorReady = useCallback(
    (handle: EditorHandle | null) => {
      editorRef.current = handle;
      setEditorHandle(handle);
      continuationRef.current?.close();
      continuationRef.current = handle
        ? new ContinuationSession({
            api,
            editor: handle.editor,
            settings: () => settingsRef.current,
            story: () => storyRequestFields(storyRef.current),
            onCards: setCards,
            onStats: (next) => {
              setStats(next);
              bumpInspector();
            },
            onInserted: (range, node, tokens) => {
              handle.marks.markRange(range, tokens);
              if (node) historyRef.current.recorder?.accepted(node, tokens);
            },
            onCardWritten: (offset, text, regenerated) => historyRef.current.recorder?.cardWritten(offset, { text }, regenerated) ?? null,
          })
        : null;
      alternativePicker.current?.cancel();
      alternativePicker.current = handle
        ? new AlternativePicker({
            api,
            editor: handle.editor,
            marks: handle.marks,
            settings: () => settingsRef.current,
            story: () => storyRequestFields(storyRef.current),
            history: () => historyRef.current.recorder,
            onBusy: setRewriting,
            onProblem: setSteerProblem,
          })
        : null;
    },
    [api, bumpInspector],
  );

  // The cursor moves the prompt's end: the inspector follows it while it is open.
  useEffect(() => {
    if (panel !== 'inspector' || !editorHandle) return;
    const subscription = editorHandle.editor.onDidChangeCursorPosition(bumpInspector);
    return () => subscription.dispose();
  }, [panel, editorHandle, bumpInspector]);
  useEffect(bumpInspector, [drafts.current, bumpInspector]);
  const inspectRequest = useCallback(() => {
    const editor = editorRef.current?.editor;
    return editor ? nextSuggestionRequest(editor, storyRef.current, settingsRef.current) : null;
  }, []);
  const exportLorebook = useCallback(
    async (format: LorebookFormat): Promise<string> => {
      const current = draftsRef.current.current;
      if (!current) return '';
      await draftsRef.current.flushStory();
      return deliverExport(await api.drafts.exportLorebook({ id: current.id, format }), t);
    },
    [api, t],
  );

  const wordCounter = useRef<WordCounter | null>(null);
  const onText = useCallback(() => {
    bumpInspector();
    clearTimeout(wordTimer.current);
    const model = editorRef.current?.editor.getModel();
    if (!model) return;
    // A long manuscript is counted in slices between frames; wait for a real pause before starting.
    wordTimer.current = setTimeout(
      () => {
        wordCounter.current ??= new WordCounter();
        wordCounter.current.count(model, (count) => {
          setWords(count);
          setWordsVersion((version) => version + 1);
        });
      },
      model.getValueLength() > 500_000 ? 1000 : 150,
    );
  }, [bumpInspector]);

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
      setSettingsState(await api.app.saveSettings({ settings }));
    },
    [api],
  );

  /** The toolbar's Auto-suggest and Ctrl+Shift+\ switch what decides the mode here: the draft's own choice if it has one, else Settings. */
  const toggleSuggestionMode = useCallback(() => {
    const next: SuggestionMode = suggestionModeRef.current === 'automatic' ? 'manual' : 'automatic';
    if (draftsRef.current.current?.suggestionMode) {
      draftsRef.current.setSuggestionMode(next);
      return;
    }
    const current = settingsRef.current;
    const settings: Settings = { ...current, inline: { ...current.inline, mode: next } };
    setSettingsState((state) => ({ ...state, settings }));
    void api.app.saveSettings({ settings }).catch(() => undefined);
  }, [api]);

  const toggleTheme = useCallback(() => {
    const current = settingsRef.current;
    const next: Settings = { ...current, theme: current.theme === 'dark' ? 'light' : 'dark' };
    setSettingsState((state) => ({ ...state, settings: next }));
    void api.app.saveSettings({ settings: next }).catch(() => undefined);
  }, [api]);

  // The way back from a server that is down: this computer's engine, chosen as Settings would choose it.
  const useThisComputer = useCallback(() => {
    const current = settingsRef.current;
    void saveSettings({ ...current, engine: { ...current.engine, source: 'local' } }).catch(() => undefined);
    // Back to writing: the button took the focus from the text.
    editorRef.current?.editor.focus();
  }, [saveSettings]);

  // After the engine was given up on: what the menu's Restart engine does, also where there is no menu (server mode).
  // The engine state that follows tells how it went.
  const restartEngine = useCallback(() => {
    void api.app.restartEngine().catch(() => undefined);
  }, [api]);

  const { startup: draftsStartup, status: saveStatus, problem: draftsProblem } = drafts;
  const surpriseProblem = surprise.problem;
  const notices = useMemo(
    () =>
      [
        ...noticesFor(engine, settingsState, link, t, mode, { useThisComputer, restartEngine }),
        ...draftNotices({ startup: draftsStartup, status: saveStatus, problem: draftsProblem }, t),
        ...(steerProblem
          ? [
              {
                id: `steer-${steerProblem}`,
                tone: 'warning' as const,
                text: t('alternatives.failed', { message: steerProblem }),
                dismissible: true,
              },
            ]
          : []),
        ...(surpriseProblem
          ? [
              {
                id: `surprise-${surpriseProblem}`,
                tone: 'warning' as const,
                text: t('surprise.failed', { message: surpriseProblem }),
                dismissible: true,
              },
            ]
          : []),
      ].filter((notice) => !dismissed.has(notice.id)),
    [
      engine,
      settingsState,
      link,
      dismissed,
      draftsStartup,
      saveStatus,
      draftsProblem,
      steerProblem,
      surpriseProblem,
      t,
      mode,
      useThisComputer,
      restartEngine,
    ],
  );
  const ready = engine.status === 'ready';

  return (
    <div className="app">
      <Toolbar
        draftTitle={drafts.current?.title ?? null}
        saveStatus={drafts.status}
        panel={panel}
        onPanel={setPanel}
        engineReady={ready}
        onContinue={continueSelection}
        onSuggestNow={() => {
          const editor = editorRef.current?.editor;
          editor?.focus();
          editor?.trigger('toolbar', 'editor.action.inlineSuggest.trigger', { explicit: true });
        }}
        suggestionMode={suggestionMode}
        draftHasMode={Boolean(draftMode)}
        onToggleSuggestionMode={toggleSuggestionMode}
        surprise={surprise}
        theme={settingsState.settings.theme}
        onToggleTheme={toggleTheme}
        models={models}
      />
      <NoticeBar notices={notices} onDismiss={(id) => setDismissed((current) => new Set(current).add(id))} />
      {drafts.conflict !== null && drafts.current && (
        <ConflictBar title={drafts.current.title} diskText={drafts.conflict} onKeep={(keep) => void drafts.resolveConflict(keep)} />
      )}
      <div className="drafts-row">
        <DraftsSidebar
          drafts={drafts.drafts}
          trash={drafts.trash}
          currentId={drafts.current?.id ?? null}
          query={drafts.query}
          onQuery={drafts.setQuery}
          onOpen={(id) => void drafts.open(id)}
          onCreate={() => void drafts.create()}
          onRename={(id, title) => void drafts.rename(id, title)}
          onDuplicate={(id) => void drafts.duplicate(id)}
          onTrash={(id) => void drafts.trashDraft(id)}
          onRestore={(trashId) => void drafts.restore(trashId)}
        />
        <main className={`workspace ${panel === 'none' ? '' : 'with-panel'}`}>
          <div className="page">
            <ProseEditor
              api={api}
              theme={settingsState.settings.theme}
              settingsRef={settingsRef}
              storyRef={storyRef}
              suggestionModeRef={suggestionModeRef}
              engineReadyRef={engineReadyRef}
              onStats={(next) => {
                setStats(next);
                bumpInspector();
              }}
              onFiltered={setFiltered}
              onToggleSuggestionMode={toggleSuggestionMode}
              onText={onText}
              onContinueSelection={continueSelection}
              onReady={onEditorReady}
              onSuggestionsOffered={(offset, offered) => history.recorder?.suggestionsShown(offset, offered)}
              onSuggestionAccepted={(offset, text) => history.recorder?.suggestionAccepted(offset, text) ?? []}
              onPickAlternative={(start, index) => void alternativePicker.current?.pick(start, index)}
            />
          </div>
          {panel === 'candidates' && (
            <CandidatesPanel
              cards={cards}
              onInsert={insertCard}
              onRegenerate={(index) => continuationRef.current?.regenerate(index)}
              onClose={closeCandidates}
            />
          )}
          {panel === 'models' && models && <ModelsPanel api={api.models} state={models} engine={engine} onClose={() => setPanel('none')} />}
          {panel === 'settings' && (
            <SettingsPanel
              key={settingsState.location}
              state={settingsState}
              activeModelDir={engine.modelDir}
              serverEngine={Boolean(engine.remote)}
              mode={mode}
              {...(mode === 'electron' ? { onChooseFolder: () => api.app.chooseModelFolder() } : {})}
              onSave={saveSettings}
              onClose={() => setPanel('none')}
            />
          )}
          {panel === 'draft' && drafts.current && (
            <DraftPanel
              api={api}
              draftId={drafts.current.id}
              memory={drafts.current.memory}
              suggestionMode={drafts.current.suggestionMode}
              settingsSuggestionMode={settingsState.settings.inline.mode}
              onSuggestionMode={drafts.setSuggestionMode}
              engineReady={ready}
              serverEngine={Boolean(engine.remote)}
              contextWindow={engine.info?.contextWindow ?? engine.remote?.contextWindow ?? 1024}
              wordsVersion={wordsVersion}
              onMemory={drafts.setMemory}
              onRestored={drafts.showRestored}
              onClose={() => setPanel('none')}
            />
          )}
          {panel === 'history' && drafts.current && (
            <HistoryPanel
              tree={history.tree}
              spot={history.spot}
              problem={history.problem}
              onPutIn={history.putIn}
              onClose={() => setPanel('none')}
            />
          )}
          {panel === 'lore' && drafts.current && (
            <LorePanel
              note={drafts.current.note}
              lorebook={drafts.current.lorebook}
              onNote={drafts.setNote}
              onLorebook={drafts.setLorebook}
              onExport={exportLorebook}
              onClose={() => setPanel('none')}
              series={{ series: drafts.current.series, onSeries: drafts.setSeries, listSeries: drafts.listSeries }}
            />
          )}
          {panel === 'inspector' && (
            <ContextInspector
              api={api}
              engineReady={ready}
              serverEngine={Boolean(engine.remote)}
              request={inspectRequest}
              version={inspectVersion}
              onClose={() => setPanel('none')}
            />
          )}
          {panel === 'export' && drafts.current && (
            <ExportPanel api={api} draftId={drafts.current.id} draftTitle={drafts.current.title} onClose={() => setPanel('none')} />
          )}
        </main>
      </div>
      <StatusBar
        engine={engine}
        stats={stats}
        words={words}
        link={link}
        suggestions={{ mode: suggestionMode, filtered }}
        activity={rewriting ? t('alternatives.rewriting') : null}
        preset={presetLabel(settingsState.settings.presets.active, t)}
      />
    </div>
  );
}
