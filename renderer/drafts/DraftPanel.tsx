import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KaituhiApi } from '../../electron/shared/api.js';
import type { OpenDraft, SnapshotInfo, TextDiff, WordStats } from '../../electron/shared/drafts-api.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { SidePanel } from '../panels/SidePanel.js';
import type { DraftSuggestionMode, SuggestionMode } from '../../electron/common/suggestion-mode.js';

/** Only what the panel calls, so a test can hand it a small fake. */
export type DraftPanelApi = { readonly drafts: KaituhiApi['drafts']; readonly app: Pick<KaituhiApi['app'], 'countTokens'> };

export interface DraftPanelProps {
  api: DraftPanelApi;
  draftId: string;
  memory: string;
  /** Ghost text in this draft: its own mode, or null to follow Settings (whose mode is `settingsSuggestionMode`). */
  suggestionMode: DraftSuggestionMode;
  settingsSuggestionMode: SuggestionMode;
  engineReady: boolean;
  /** A server engine has no tokenizer here: the memory's share of the window cannot be counted. */
  serverEngine?: boolean;
  contextWindow: number;
  /** Bumped by the caller when the text changed, so the word counts follow. */
  wordsVersion: number;
  onMemory(memory: string): void;
  onSuggestionMode(mode: DraftSuggestionMode): void;
  onRestored(draft: OpenDraft): void;
  onClose(): void;
}

const TOKEN_COUNT_DELAY_MS = 400;

/** One draft's side panel: story memory (and its share of the window), its suggestion mode, words today against a goal, snapshots. */
export function DraftPanel(props: DraftPanelProps) {
  const { api, draftId } = props;
  const { t, i18n } = useTranslation();
  const [memoryTokens, setMemoryTokens] = useState<number | null>(null);
  const [stats, setStats] = useState<WordStats | null>(null);
  const [snapshots, setSnapshots] = useState<readonly SnapshotInfo[]>([]);
  const [snapshotName, setSnapshotName] = useState('');
  const [diff, setDiff] = useState<{ snapshot: SnapshotInfo; diff: TextDiff } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!props.engineReady || props.serverEngine) return;
    const timer = setTimeout(() => {
      void api.app.countTokens({ text: props.memory }).then(setMemoryTokens, () => setMemoryTokens(null));
    }, TOKEN_COUNT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [api, props.memory, props.engineReady, props.serverEngine]);

  useEffect(() => {
    void api.drafts.draftWordStats({ id: draftId }).then(setStats, () => undefined);
  }, [api, draftId, props.wordsVersion]);

  useEffect(() => {
    setDiff(null);
    void api.drafts.listSnapshots({ id: draftId }).then(setSnapshots, () => undefined);
  }, [api, draftId]);

  const run = (action: () => Promise<void>) => () =>
    void action().then(
      () => setProblem(null),
      (error: unknown) => setProblem(errorMessage(error)),
    );
  const share = memoryTokens === null ? null : memoryTokens / props.contextWindow;

  return (
    <SidePanel
      title={t('draftPanel.title')}
      className="draft-panel"
      testId="draft-panel"
      closeLabel={t('panel.close')}
      onClose={props.onClose}
    >
      {problem && (
        <p className="panel-problem" role="alert">
          {problem}
        </p>
      )}
      <section>
        <h3>{t('draftPanel.memory')}</h3>
        <p className="hint">{t('draftPanel.memoryHint')}</p>
        <textarea
          className="memory-input"
          rows={6}
          value={props.memory}
          onChange={(event) => props.onMemory(event.target.value)}
          aria-label={t('draftPanel.memory')}
          data-testid="memory-input"
        />
        <p className={`hint ${share !== null && share > 0.5 ? 'warn' : ''}`} data-testid="memory-tokens">
          {props.serverEngine
            ? t('draftPanel.noCountOnServer')
            : memoryTokens === null
              ? props.engineReady
                ? t('draftPanel.counting')
                : t('draftPanel.loadModel')
              : t('draftPanel.memoryTakes', { tokens: memoryTokens, window: props.contextWindow })}
        </p>
      </section>
      <section>
        <label className="inline-field">
          {t('draftPanel.suggestions')}
          <select
            value={props.suggestionMode ?? 'settings'}
            onChange={(event) => {
              const value = event.target.value;
              props.onSuggestionMode(value === 'automatic' || value === 'manual' ? value : null);
            }}
            data-testid="draft-suggestion-mode"
          >
            <option value="settings">
              {t('draftPanel.followSettings', { mode: t(`settings.modes.${props.settingsSuggestionMode}`) })}
            </option>
            <option value="automatic">{t('settings.modes.automatic')}</option>
            <option value="manual">{t('settings.modes.manual')}</option>
          </select>
        </label>
      </section>
      <section>
        <h3>{t('draftPanel.words')}</h3>
        {stats && (
          <p data-testid="words-today">
            {t('draftPanel.wordsToday', { count: stats.words, today: stats.today })}
            {stats.dailyGoal ? t('draftPanel.ofGoal', { goal: stats.dailyGoal }) : ''}
          </p>
        )}
        {stats?.dailyGoal ? <progress max={stats.dailyGoal} value={Math.max(0, Math.min(stats.today, stats.dailyGoal))} /> : null}
        <label className="inline-field">
          {t('draftPanel.dailyGoal')}
          <input
            type="number"
            min={1}
            step={50}
            placeholder={t('draftPanel.none')}
            defaultValue={stats?.dailyGoal ?? ''}
            key={stats?.dailyGoal ?? 'none'}
            data-testid="daily-goal"
            onBlur={(event) => {
              const value = event.target.value.trim();
              const goal = value === '' ? null : Math.round(Number(value));
              if (goal !== null && !(goal > 0)) return;
              run(async () => {
                await api.drafts.setDailyGoal({ goal });
                setStats(await api.drafts.draftWordStats({ id: draftId }));
              })();
            }}
          />
        </label>
      </section>
      <section>
        <h3>{t('draftPanel.snapshots')}</h3>
        <div className="snapshot-take">
          <input
            value={snapshotName}
            placeholder={t('draftPanel.snapshotName')}
            aria-label={t('draftPanel.snapshotNameLabel')}
            onChange={(event) => setSnapshotName(event.target.value)}
          />
          <button
            type="button"
            className="text-button"
            data-testid="take-snapshot"
            onClick={run(async () => {
              await api.drafts.takeSnapshot({ id: draftId, name: snapshotName || t('draftPanel.defaultSnapshot') });
              setSnapshotName('');
              setSnapshots(await api.drafts.listSnapshots({ id: draftId }));
            })}
          >
            {t('draftPanel.takeSnapshot')}
          </button>
        </div>
        <ul className="snapshot-list">
          {snapshots.map((snapshot) => (
            <li key={snapshot.id} data-testid="snapshot-item">
              <span className="snapshot-name">{snapshot.name}</span>
              <span className="hint">
                {t('draftPanel.snapshotWords', { date: new Date(snapshot.created).toLocaleString(i18n.language), count: snapshot.words })}
              </span>
              <span>
                <button
                  type="button"
                  className="text-button"
                  onClick={run(async () =>
                    setDiff({ snapshot, diff: await api.drafts.compareSnapshot({ id: draftId, snapshotId: snapshot.id }) }),
                  )}
                >
                  {t('draftPanel.compare')}
                </button>
                <button
                  type="button"
                  className="text-button"
                  onClick={run(async () => {
                    props.onRestored(await api.drafts.restoreSnapshot({ id: draftId, snapshotId: snapshot.id }));
                    setSnapshots(await api.drafts.listSnapshots({ id: draftId }));
                    setDiff(null);
                  })}
                >
                  {t('draftPanel.restore')}
                </button>
              </span>
            </li>
          ))}
          {snapshots.length === 0 && <li className="hint">{t('draftPanel.noSnapshots')}</li>}
        </ul>
        {diff && (
          <div className="snapshot-diff" data-testid="snapshot-diff">
            <p className="hint">
              {t('draftPanel.diff', { name: diff.snapshot.name, added: diff.diff.wordsAdded, removed: diff.diff.wordsRemoved })}
              {diff.diff.coarse ? t('draftPanel.coarse') : ''}
            </p>
            <pre>
              {diff.diff.chunks.map((chunk, index) =>
                chunk.kind === 'same' ? (
                  <span key={index}>
                    {chunk.text.length > 400 ? `${chunk.text.slice(0, 150)} … ${chunk.text.slice(-150)}` : chunk.text}
                  </span>
                ) : chunk.kind === 'added' ? (
                  <ins key={index}>{chunk.text}</ins>
                ) : (
                  <del key={index}>{chunk.text}</del>
                ),
              )}
            </pre>
          </div>
        )}
      </section>
    </SidePanel>
  );
}
