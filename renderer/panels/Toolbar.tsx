import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ModelsState, ThemeName } from '../../electron/shared/api.js';
import type { SuggestionMode } from '../../electron/common/suggestion-mode.js';
import { SaveIndicator } from '../drafts/SaveIndicator.js';
import type { SaveStatus } from '../drafts/draft-binding.js';
import { percent } from '../state/model-format.js';

/** One side panel at a time. */
export type Panel = 'none' | 'candidates' | 'settings' | 'draft' | 'export' | 'models' | 'lore' | 'inspector' | 'history';

export interface ToolbarProps {
  /** The open draft's title; null when none is open (the draft's panels are then off). */
  draftTitle: string | null;
  saveStatus: SaveStatus;
  panel: Panel;
  onPanel(panel: Panel): void;
  engineReady: boolean;
  onContinue(): void;
  onSuggestNow(): void;
  suggestionMode: SuggestionMode;
  /** Whether the open draft has a mode of its own (the toggle's hover says which it switches). */
  draftHasMode: boolean;
  onToggleSuggestionMode(): void;
  surprise: { readonly enabled: boolean; toggle(): void };
  theme: ThemeName;
  onToggleTheme(): void;
  models: ModelsState | null;
}

/** The row of buttons at the top: each panel's toggle, and the actions that have no panel. */
export function Toolbar(props: ToolbarProps) {
  const { t } = useTranslation();
  const { panel, onPanel, engineReady } = props;
  const hasDraft = props.draftTitle !== null;
  const toggle = (name: Panel, label: string, testId: string, options: { title?: string; disabled?: boolean } = {}) => (
    <button
      type="button"
      className="text-button"
      disabled={options.disabled}
      onClick={() => onPanel(panel === name ? 'none' : name)}
      aria-pressed={panel === name}
      title={options.title}
      data-testid={testId}
    >
      {label}
    </button>
  );
  return (
    <header className="toolbar">
      <span className="brand">Kaituhi</span>
      {hasDraft && (
        <span className="toolbar-title" data-testid="draft-title">
          {props.draftTitle}
        </span>
      )}
      <SaveIndicator status={props.saveStatus} />
      <span className="spacer" />
      {toggle('draft', t('toolbar.draft'), 'draft-button', { title: t('toolbar.draftTitle'), disabled: !hasDraft })}
      {toggle('lore', t('toolbar.lore'), 'lore-button', { title: t('toolbar.loreTitle'), disabled: !hasDraft })}
      {toggle('inspector', t('toolbar.context'), 'inspector-button', { title: t('toolbar.contextTitle') })}
      {toggle('export', t('toolbar.export'), 'export-open', { title: t('toolbar.exportTitle'), disabled: !hasDraft })}
      <button
        type="button"
        className="text-button"
        disabled={!engineReady}
        onClick={props.onContinue}
        title={t('toolbar.continueTitle')}
        data-testid="continue-button"
      >
        {t('toolbar.continue')}
      </button>
      <button type="button" className="text-button" disabled={!engineReady} title={t('toolbar.suggestTitle')} onClick={props.onSuggestNow}>
        {t('toolbar.suggest')}
      </button>
      <button
        type="button"
        className="text-button"
        onClick={props.onToggleSuggestionMode}
        aria-pressed={props.suggestionMode === 'automatic'}
        title={props.draftHasMode ? t('toolbar.autoSuggestDraftTitle') : t('toolbar.autoSuggestTitle')}
        data-testid="suggestion-mode"
      >
        {t('toolbar.autoSuggest')}
      </button>
      <button
        type="button"
        className="text-button"
        disabled={!engineReady}
        onClick={props.surprise.toggle}
        aria-pressed={props.surprise.enabled}
        title={t('toolbar.surpriseTitle')}
        data-testid="surprise-toggle"
      >
        {t('toolbar.surprise')}
      </button>
      {toggle('history', t('toolbar.history'), 'history-button', { title: t('toolbar.historyTitle'), disabled: !hasDraft })}
      <button
        type="button"
        className="text-button"
        onClick={props.onToggleTheme}
        title={t('toolbar.themeTitle')}
        data-testid="theme-toggle"
      >
        {props.theme === 'dark' ? t('toolbar.light') : t('toolbar.dark')}
      </button>
      {toggle('models', modelsButtonLabel(props.models, t), 'models-button')}
      {toggle('settings', t('toolbar.settings'), 'settings-button')}
    </header>
  );
}

/** A download running behind a closed panel still shows: "Models 42%". */
function modelsButtonLabel(models: ModelsState | null, t: TFunction): string {
  const download = models?.download;
  if (!download || download.stage === 'done' || download.stage === 'failed' || download.stage === 'paused') return t('toolbar.models');
  return t('toolbar.modelsProgress', { percent: percent(download.bytes, download.total) });
}
