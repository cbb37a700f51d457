import { useState, type ReactNode } from 'react';
import type { InlineLength, Settings, SettingsState } from '../../electron/shared/api.js';
import type { SamplerSettings } from '../../electron/shared/api.js';
import { SidePanel } from './SidePanel.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { GENERATION_LIMITS } from '../../electron/common/generation.js';
import { SETTINGS_LIMITS } from '../../electron/common/settings.js';

export interface SettingsPanelProps {
  state: SettingsState;
  /** The folder the engine is actually using (a --model flag may override the setting). */
  activeModelDir: string | null;
  /** Present under Electron, where main can show a folder dialog. */
  onChooseFolder?: () => Promise<string | null>;
  onSave(settings: Settings): Promise<void>;
  onClose(): void;
}

const LENGTHS: Array<{ value: InlineLength; label: string }> = [
  { value: 'phrase', label: 'Phrase' },
  { value: 'sentence', label: 'Sentence' },
  { value: 'paragraph', label: 'Paragraph' },
];

/** Edits a copy of the settings; nothing changes until Save, and the services validate what is saved. */
export function SettingsPanel({ state, activeModelDir, onChooseFolder, onSave, onClose }: SettingsPanelProps) {
  const [draft, setDraft] = useState<Settings>(state.settings);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const setSampler = <K extends keyof SamplerSettings>(key: K, value: SamplerSettings[K]) =>
    setDraft((current) => ({ ...current, sampler: { ...current.sampler, [key]: value } }));
  const setInline = <K extends keyof Settings['inline']>(key: K, value: Settings['inline'][K]) =>
    setDraft((current) => ({ ...current, inline: { ...current.inline, [key]: value } }));
  const setContinuation = <K extends keyof Settings['continuation']>(key: K, value: Settings['continuation'][K]) =>
    setDraft((current) => ({ ...current, continuation: { ...current.continuation, [key]: value } }));

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await onSave(draft);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setSaving(false);
    }
  };

  return (
    <SidePanel title="Settings" className="settings" testId="settings-panel" closeLabel="Close settings" onClose={onClose}>
      {state.notice && <p className="notice notice-warning">{state.notice}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend>Model</legend>
          <Field
            label="Model folder"
            hint={`A GPT-2 ONNX export or Hugging Face checkpoint folder.${activeModelDir && activeModelDir !== draft.modelDir ? ` In use now: ${activeModelDir}.` : ''}`}
          >
            <input
              type="text"
              value={draft.modelDir ?? ''}
              placeholder="/path/to/gpt2"
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
                Choose…
              </button>
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Inline suggestions</legend>
          <Check label="Suggest as I write" checked={draft.inline.enabled} onChange={(value) => setInline('enabled', value)} />
          <Field label="Length">
            <select value={draft.inline.length} onChange={(event) => setInline('length', event.target.value as InlineLength)}>
              {LENGTHS.map((length) => (
                <option key={length.value} value={length.value}>
                  {length.label}
                </option>
              ))}
            </select>
          </Field>
          <NumberField
            label="Pause before suggesting (ms)"
            value={draft.inline.debounceMs}
            min={SETTINGS_LIMITS.debounceMs.min}
            max={SETTINGS_LIMITS.debounceMs.max}
            step={50}
            onChange={(value) => setInline('debounceMs', value)}
          />
          <NumberField
            label="Alternatives (Alt+] / Alt+[)"
            value={draft.inline.alternatives}
            min={SETTINGS_LIMITS.alternatives.min}
            max={SETTINGS_LIMITS.alternatives.max}
            onChange={(value) => setInline('alternatives', value)}
          />
          <NumberField
            label="Longest suggestion (tokens)"
            value={draft.inline.maxTokens}
            min={SETTINGS_LIMITS.maxTokens.min}
            max={SETTINGS_LIMITS.maxTokens.max}
            onChange={(value) => setInline('maxTokens', value)}
          />
        </fieldset>
        <fieldset>
          <legend>Continue selection</legend>
          <NumberField
            label="Candidates"
            value={draft.continuation.candidates}
            min={SETTINGS_LIMITS.candidates.min}
            max={SETTINGS_LIMITS.candidates.max}
            onChange={(value) => setContinuation('candidates', value)}
          />
          <NumberField
            label="Length (tokens)"
            value={draft.continuation.maxTokens}
            min={SETTINGS_LIMITS.maxTokens.min}
            max={SETTINGS_LIMITS.maxTokens.max}
            onChange={(value) => setContinuation('maxTokens', value)}
          />
        </fieldset>
        <fieldset>
          <legend>Sampling</legend>
          <Check
            label="Greedy (always the likeliest word)"
            checked={draft.sampler.greedy}
            onChange={(value) => setSampler('greedy', value)}
          />
          <NumberField
            label="Temperature"
            value={draft.sampler.temperature}
            min={GENERATION_LIMITS.temperature.min}
            max={GENERATION_LIMITS.temperature.max}
            step={0.05}
            onChange={(value) => setSampler('temperature', value)}
          />
          <NumberField
            label="Top-k (0 = off)"
            value={draft.sampler.topK}
            min={GENERATION_LIMITS.topK.min}
            max={GENERATION_LIMITS.topK.max}
            onChange={(value) => setSampler('topK', value)}
          />
          <NumberField
            label="Top-p (1 = off)"
            value={draft.sampler.topP}
            min={0}
            max={1}
            step={0.01}
            onChange={(value) => setSampler('topP', value)}
          />
          <NumberField
            label="Min-p (0 = off)"
            value={draft.sampler.minP}
            min={0}
            max={1}
            step={0.01}
            onChange={(value) => setSampler('minP', value)}
          />
          <NumberField
            label="Typical-p (1 = off)"
            value={draft.sampler.typicalP}
            min={0}
            max={1}
            step={0.01}
            onChange={(value) => setSampler('typicalP', value)}
          />
          <NumberField
            label="Repetition penalty"
            value={draft.sampler.repetitionPenalty}
            min={GENERATION_LIMITS.repetitionPenalty.min}
            max={GENERATION_LIMITS.repetitionPenalty.max}
            step={0.05}
            onChange={(value) => setSampler('repetitionPenalty', value)}
          />
          <NumberField
            label="No-repeat n-gram (0 = off)"
            value={draft.sampler.noRepeatNgramSize}
            min={GENERATION_LIMITS.noRepeatNgramSize.min}
            max={GENERATION_LIMITS.noRepeatNgramSize.max}
            onChange={(value) => setSampler('noRepeatNgramSize', value)}
          />
          <Field label="Seed (empty = random)">
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
        <fieldset>
          <legend>Appearance</legend>
          <Field label="Theme">
            <select
              value={draft.theme}
              onChange={(event) => setDraft({ ...draft, theme: event.target.value === 'dark' ? 'dark' : 'light' })}
            >
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </Field>
        </fieldset>
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="button" className="text-button" onClick={() => setDraft(state.settings)}>
            Revert
          </button>
          <button type="submit" className="primary-button" disabled={saving} data-testid="save-settings">
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
        <p className="panel-hint">Saved to {state.location}</p>
      </form>
    </SidePanel>
  );
}

function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange(value: boolean): void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

function NumberField(props: { label: string; value: number; min: number; max: number; step?: number; onChange(value: number): void }) {
  return (
    <Field label={props.label}>
      <input
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        onChange={(event) => props.onChange(event.target.valueAsNumber)}
      />
    </Field>
  );
}
