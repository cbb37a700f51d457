import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppMode, InlineLength, LanguagePreference, Settings, SettingsState, UiLanguage } from '../../electron/shared/api.js';
import type { SamplerSettings } from '../../electron/shared/api.js';
import { matchUiLanguage, systemLanguages } from '../i18n/index.js';
import { Check, Field, NumberField } from './fields.js';
import { SidePanel } from './SidePanel.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { GENERATION_LIMITS } from '../../electron/common/generation.js';
import { remoteUrlProblem, REMOTE_ENGINE_LIMITS, SETTINGS_LIMITS, type EngineSource } from '../../electron/common/settings.js';
import { SUGGESTION_MODES } from '../../electron/common/suggestion-mode.js';
import { AntiSlopSettings, PresetSettings } from './SteeringSettings.js';
import { settingsNoticeText } from '../state/notices.js';

export interface SettingsPanelProps {
  state: SettingsState;
  /** The folder the engine is actually using (a --model flag may override the setting). */
  activeModelDir: string | null;
  /** The engine in use is a server's (EngineState.remote), which is not sent some of the steering settings. */
  serverEngine?: boolean;
  /** In server mode a browser may not name a folder on the disk: models come from the Models panel. */
  mode: AppMode;
  /** Present under Electron, where main can show a folder dialog. */
  onChooseFolder?: () => Promise<string | null>;
  onSave(settings: Settings): Promise<void>;
  onClose(): void;
}

const LENGTHS: readonly InlineLength[] = ['phrase', 'sentence', 'paragraph'];
const LANGUAGES: readonly LanguagePreference[] = ['system', 'en', 'zh-CN'];

/** The sampler's number knobs, in the panel's order: each labelled by settings.<label>, ranged by its GENERATION_LIMITS entry. */
const SAMPLER_NUMBERS = [
  { key: 'temperature', label: 'temperature', step: 0.05 },
  { key: 'topK', label: 'topK', step: 1 },
  { key: 'topP', label: 'topP', step: 0.01 },
  { key: 'minP', label: 'minP', step: 0.01 },
  { key: 'typicalP', label: 'typicalP', step: 0.01 },
  { key: 'repetitionPenalty', label: 'repetitionPenalty', step: 0.05 },
  { key: 'noRepeatNgramSize', label: 'noRepeatNgram', step: 1 },
] as const satisfies readonly { key: keyof SamplerSettings & keyof typeof GENERATION_LIMITS; label: string; step: number }[];

/** "Simplified Chinese" / "简体中文": a language's name in the interface's language, from Intl. */
function languageName(language: UiLanguage, inLanguage: string): string {
  return new Intl.DisplayNames([inLanguage], { type: 'language' }).of(language === 'zh-CN' ? 'zh-Hans' : language) ?? language;
}

/** Edits a copy of the settings; nothing changes until Save, and the services validate what is saved. */
export function SettingsPanel({ state, activeModelDir, serverEngine = false, mode, onChooseFolder, onSave, onClose }: SettingsPanelProps) {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState<Settings>(state.settings);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [steeringValid, setSteeringValid] = useState(true);
  // Revert starts the line fields (which keep what is typed, even a line not yet valid) again from the settings.
  const [revision, setRevision] = useState(0);

  // A knob set by hand leaves the preset: the status bar says "Custom" from then on.
  const setSampler = <K extends keyof SamplerSettings>(key: K, value: SamplerSettings[K]) =>
    setDraft((current) => ({ ...current, sampler: { ...current.sampler, [key]: value }, presets: { ...current.presets, active: null } }));
  const setInline = <K extends keyof Settings['inline']>(key: K, value: Settings['inline'][K]) =>
    setDraft((current) => ({ ...current, inline: { ...current.inline, [key]: value } }));
  const setContinuation = <K extends keyof Settings['continuation']>(key: K, value: Settings['continuation'][K]) =>
    setDraft((current) => ({ ...current, continuation: { ...current.continuation, [key]: value } }));
  const setEngine = <K extends keyof Settings['engine']>(key: K, value: Settings['engine'][K]) =>
    setDraft((current) => ({ ...current, engine: { ...current.engine, [key]: value } }));
  const remote = draft.engine.source === 'remote';
  const urlProblem = remote ? remoteUrlProblem(draft.engine.url.trim()) : null;

  const save = async () => {
    if (urlProblem || !steeringValid) return;
    setSaving(true);
    setError(null);
    try {
      await onSave({ ...draft, engine: { ...draft.engine, url: draft.engine.url.trim(), model: draft.engine.model.trim() } });
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setSaving(false);
    }
  };

  return (
    <SidePanel title={t('settings.title')} className="settings" testId="settings-panel" closeLabel={t('settings.close')} onClose={onClose}>
      {state.notice && (
        <p className="notice notice-warning" data-testid="settings-notice">
          {settingsNoticeText(state.notice, t)}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset data-testid="engine-settings">
          <legend>{t('settings.engine')}</legend>
          <p className="panel-hint">{t('settings.engineHint')}</p>
          {(['local', 'remote'] as const satisfies readonly EngineSource[]).map((source) => (
            <label key={source} className="check">
              <input
                type="radio"
                name="engine-source"
                value={source}
                checked={draft.engine.source === source}
                onChange={() => setEngine('source', source)}
                data-testid={`engine-${source}`}
              />
              <span>{t(source === 'local' ? 'settings.engineLocal' : 'settings.engineRemote')}</span>
            </label>
          ))}
          {remote && (
            <>
              <Field
                label={t('settings.serverUrl')}
                hint={urlProblem ? t(`settings.serverUrlProblems.${urlProblem}`) : t('settings.serverUrlHint')}
              >
                <input
                  type="url"
                  value={draft.engine.url}
                  placeholder="http://gpu-box:8080/v1"
                  maxLength={REMOTE_ENGINE_LIMITS.urlChars}
                  required
                  aria-invalid={urlProblem !== null}
                  onChange={(event) => setEngine('url', event.target.value)}
                  data-testid="server-url"
                />
              </Field>
              <Field label={t('settings.serverKey')} hint={t('settings.serverKeyHint')}>
                <input
                  type="password"
                  autoComplete="off"
                  value={draft.engine.apiKey}
                  maxLength={REMOTE_ENGINE_LIMITS.apiKeyChars}
                  onChange={(event) => setEngine('apiKey', event.target.value)}
                  data-testid="server-key"
                />
              </Field>
              <Field label={t('settings.serverModel')}>
                <input
                  type="text"
                  value={draft.engine.model}
                  maxLength={REMOTE_ENGINE_LIMITS.modelChars}
                  onChange={(event) => setEngine('model', event.target.value)}
                  data-testid="server-model"
                />
              </Field>
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('settings.model')}</legend>
          {remote && <p className="panel-hint">{t('settings.modelWhenLocal')}</p>}
          {mode === 'server' ? (
            <p className="panel-hint" data-testid="model-folder-server">
              {t('settings.modelFolderServer', { dir: activeModelDir ?? t('settings.noModelFolder') })}
            </p>
          ) : (
            <Field
              label={t('settings.modelFolder')}
              hint={`${t('settings.modelFolderHint')}${activeModelDir && activeModelDir !== draft.modelDir ? t('settings.inUseNow', { dir: activeModelDir }) : ''}`}
            >
              <input
                type="text"
                value={draft.modelDir ?? ''}
                placeholder={t('settings.modelFolderPlaceholder')}
                onChange={(event) => setDraft({ ...draft, modelDir: event.target.value.trim() === '' ? null : event.target.value })}
              />
              {onChooseFolder && (
                <button
                  type="button"
                  className="text-button"
                  onClick={() => {
                    void onChooseFolder().then((folder) => folder && setDraft((current) => ({ ...current, modelDir: folder })));
                  }}
                >
                  {t('settings.choose')}
                </button>
              )}
            </Field>
          )}
        </fieldset>
        <fieldset>
          <legend>{t('settings.inline')}</legend>
          <Check label={t('settings.suggestAsIWrite')} checked={draft.inline.enabled} onChange={(value) => setInline('enabled', value)} />
          <Field label={t('settings.mode')}>
            <select
              value={draft.inline.mode}
              onChange={(event) => setInline('mode', event.target.value === 'manual' ? 'manual' : 'automatic')}
              data-testid="suggestion-mode-select"
            >
              {SUGGESTION_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {t(`settings.modes.${mode}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('settings.length')}>
            <select value={draft.inline.length} onChange={(event) => setInline('length', event.target.value as InlineLength)}>
              {LENGTHS.map((length) => (
                <option key={length} value={length}>
                  {t(`settings.lengths.${length}`)}
                </option>
              ))}
            </select>
          </Field>
          <NumberField
            label={t('settings.debounce')}
            value={draft.inline.debounceMs}
            limits={SETTINGS_LIMITS.debounceMs}
            step={50}
            onChange={(value) => setInline('debounceMs', value)}
          />
          <NumberField
            label={t('settings.alternatives')}
            value={draft.inline.alternatives}
            limits={SETTINGS_LIMITS.alternatives}
            onChange={(value) => setInline('alternatives', value)}
          />
          <NumberField
            label={t('settings.longest')}
            value={draft.inline.maxTokens}
            limits={SETTINGS_LIMITS.maxTokens}
            onChange={(value) => setInline('maxTokens', value)}
          />
          <Check label={t('settings.italic')} checked={draft.inline.italic} onChange={(value) => setInline('italic', value)} />
        </fieldset>
        <fieldset>
          <legend>{t('settings.continuation')}</legend>
          <NumberField
            label={t('settings.candidates')}
            value={draft.continuation.candidates}
            limits={SETTINGS_LIMITS.candidates}
            onChange={(value) => setContinuation('candidates', value)}
          />
          <NumberField
            label={t('settings.continuationLength')}
            value={draft.continuation.maxTokens}
            limits={SETTINGS_LIMITS.maxTokens}
            onChange={(value) => setContinuation('maxTokens', value)}
          />
        </fieldset>
        <PresetSettings draft={draft} update={setDraft} />
        <fieldset>
          <legend>{t('settings.sampling')}</legend>
          <Check label={t('settings.greedy')} checked={draft.sampler.greedy} onChange={(value) => setSampler('greedy', value)} />
          {SAMPLER_NUMBERS.map(({ key, label, step }) => (
            <NumberField
              key={key}
              label={t(`settings.${label}`)}
              value={draft.sampler[key]}
              limits={GENERATION_LIMITS[key]}
              step={step}
              onChange={(value) => setSampler(key, value)}
            />
          ))}
          <Field label={t('settings.seed')}>
            <input
              type="number"
              min={0}
              step={1}
              value={draft.sampler.seed ?? ''}
              onChange={(event) => {
                const { seed: _previous, ...rest } = draft.sampler;
                const value = event.target.value;
                setDraft({ ...draft, sampler: value === '' ? rest : { ...rest, seed: Number(value) } });
              }}
            />
          </Field>
        </fieldset>
        {/* The server in use, or the one these settings switch to on Save. */}
        <AntiSlopSettings key={revision} draft={draft} update={setDraft} onValid={setSteeringValid} serverEngine={serverEngine || remote} />
        <fieldset>
          <legend>{t('settings.appearance')}</legend>
          <Field label={t('settings.theme')}>
            <select
              value={draft.theme}
              onChange={(event) => setDraft({ ...draft, theme: event.target.value === 'dark' ? 'dark' : 'light' })}
            >
              <option value="light">{t('settings.themes.light')}</option>
              <option value="dark">{t('settings.themes.dark')}</option>
            </select>
          </Field>
          <Field label={t('settings.language')} hint={t('settings.languageEditorHint')}>
            <select
              value={draft.language}
              onChange={(event) => setDraft({ ...draft, language: event.target.value as LanguagePreference })}
              data-testid="language-select"
            >
              {LANGUAGES.map((language) => (
                <option key={language} value={language}>
                  {language === 'system'
                    ? t('settings.languages.system', { language: languageName(matchUiLanguage(systemLanguages()), i18n.language) })
                    : t(`settings.languages.${language}`)}
                </option>
              ))}
            </select>
          </Field>
        </fieldset>
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button
            type="button"
            className="text-button"
            onClick={() => {
              setDraft(state.settings);
              setSteeringValid(true);
              setRevision((n) => n + 1);
            }}
          >
            {t('settings.revert')}
          </button>
          <button
            type="submit"
            className="primary-button"
            disabled={saving || urlProblem !== null || !steeringValid}
            data-testid="save-settings"
          >
            {saving ? t('settings.saving') : t('settings.save')}
          </button>
        </div>
        <p className="panel-hint">{t('settings.savedTo', { location: state.location })}</p>
      </form>
    </SidePanel>
  );
}
