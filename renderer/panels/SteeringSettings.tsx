/**
 * The Settings panel's steering sections: sampler presets (the built-in ones, the writer's own, preset files in
 * and out) and anti-slop (banned words and phrases, phrase bias, DRY). Both edit the panel's copy of the settings;
 * nothing is sent until Save, and the services check what is saved with the same schemas.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { SamplerSettings, Settings } from '../../electron/shared/api.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { DEFAULT_DRY, GENERATION_LIMITS, type DrySettings } from '../../electron/common/generation.js';
import { BUILT_IN_PRESETS, parsePresetFile, PRESET_LIMITS, presetToFile } from '../../electron/common/presets.js';
import { MAX_WRITER_PRESETS, type ActivePreset, type WriterPreset } from '../../electron/common/settings.js';
import {
  formatBanLines,
  formatBiasLines,
  parseBanLines,
  parseBiasLines,
  type SteeringLineProblem,
} from '../../electron/common/steering.js';
import { deliverExport } from '../drafts/export-delivery.js';
import { NumberField } from './fields.js';
import { FileImportButton, readText } from './FileImportButton.js';

type Update = (change: (current: Settings) => Settings) => void;

/** A built-in preset by id, with its id typed for its i18n keys; null for an id this version does not have. */
function builtIn(id: string): (typeof BUILT_IN_PRESETS)[number] | null {
  return BUILT_IN_PRESETS.find((preset) => preset.id === id) ?? null;
}

/** The active preset's name in the interface's language; "Custom" once a knob was set by hand. */
export function presetLabel(active: ActivePreset, t: TFunction): string {
  if (!active) return t('settings.presetCustom');
  if (active.kind === 'own') return active.name;
  const preset = builtIn(active.id);
  return preset ? t(`presets.${preset.id}.name`) : t('settings.presetCustom');
}

/** A preset's sampler with the writer's seed kept: a seed belongs to the writer's requests, not to a preset. */
function withSeed(sampler: SamplerSettings, seed: number | undefined): SamplerSettings {
  const { seed: _preset, ...rest } = sampler;
  return seed === undefined ? rest : { ...rest, seed };
}

const key = (active: ActivePreset): string => (active ? `${active.kind}:${active.kind === 'own' ? active.name : active.id}` : '');

/** Sampler presets: choose one, save the sampler as your own, delete it, export or import a preset file. */
export function PresetSettings({ draft, update }: { draft: Settings; update: Update }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const { active, own } = draft.presets;
  const ownActive = active?.kind === 'own' ? (own.find((preset) => preset.name === active.name) ?? null) : null;
  const chosenBuiltIn = active?.kind === 'built-in' ? builtIn(active.id) : null;

  const choose = (value: string) => {
    setOutcome(null);
    const [kind, ...rest] = value.split(':');
    const id = rest.join(':');
    update((current) => {
      const seed = current.sampler.seed;
      if (kind === 'built-in') {
        const preset = builtIn(id);
        if (!preset) return current;
        return { ...current, sampler: withSeed(preset.sampler, seed), presets: { ...current.presets, active: { kind: 'built-in', id } } };
      }
      const preset = current.presets.own.find((p) => p.name === id);
      if (!preset) return current;
      return { ...current, sampler: withSeed(preset.sampler, seed), presets: { ...current.presets, active: { kind: 'own', name: id } } };
    });
  };

  /** Adds (or replaces, by name) one of the writer's own presets and makes it the active one. */
  const keep = (preset: WriterPreset, useIt: boolean) =>
    update((current) => {
      const others = current.presets.own.filter((p) => p.name !== preset.name);
      return {
        ...current,
        ...(useIt ? { sampler: withSeed(preset.sampler, current.sampler.seed) } : {}),
        presets: { active: { kind: 'own', name: preset.name }, own: [...others, preset] },
      };
    });

  const trimmed = name.trim();
  const full = own.length >= MAX_WRITER_PRESETS && !own.some((p) => p.name === trimmed);
  const saveOwn = () => {
    if (trimmed === '' || full) return;
    const { seed: _seed, ...sampler } = draft.sampler;
    keep({ name: trimmed, description: '', sampler }, false);
    setName('');
    setOutcome({ ok: true, text: t('settings.presetSaved', { name: trimmed }) });
  };

  const remove = () => {
    if (!ownActive) return;
    update((current) => ({
      ...current,
      presets: { active: null, own: current.presets.own.filter((p) => p.name !== ownActive.name) },
    }));
    setOutcome({ ok: true, text: t('settings.presetDeleted', { name: ownActive.name }) });
  };

  const exportNow = () => {
    const preset =
      ownActive ??
      (chosenBuiltIn
        ? {
            name: t(`presets.${chosenBuiltIn.id}.name`),
            description: t(`presets.${chosenBuiltIn.id}.description`),
            sampler: chosenBuiltIn.sampler,
          }
        : null);
    if (!preset) return;
    const text = `${JSON.stringify(presetToFile(preset), null, 2)}\n`;
    const bytes = new TextEncoder().encode(text);
    const base64 = btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
    const fileName = `${preset.name.replace(/[\\/:*?"<>|]+/g, '-')}.kaituhi-preset.json`;
    setOutcome({ ok: true, text: deliverExport({ kind: 'download', fileName, mimeType: 'application/json', base64 }, t) });
  };

  const importFile = async (file: File) => {
    try {
      const parsed = parsePresetFile(await readText(file));
      if (!parsed.ok) {
        setOutcome({ ok: false, text: t('settings.presetImportFailed', { reason: parsed.error }) });
        return;
      }
      if (own.length >= MAX_WRITER_PRESETS && !own.some((p) => p.name === parsed.preset.name)) {
        setOutcome({ ok: false, text: t('settings.presetsFull', { max: MAX_WRITER_PRESETS }) });
        return;
      }
      const { name: presetName, description, sampler } = parsed.preset;
      keep({ name: presetName, description, sampler }, true);
      setOutcome({ ok: true, text: t('settings.presetImported', { name: presetName }) });
    } catch (error) {
      setOutcome({ ok: false, text: t('settings.presetImportFailed', { reason: errorMessage(error) }) });
    }
  };

  const description = chosenBuiltIn
    ? t(`presets.${chosenBuiltIn.id}.description`)
    : ownActive
      ? ownActive.description
      : t('settings.presetCustomDescription');
  return (
    <fieldset data-testid="preset-settings">
      <legend>{t('settings.presets')}</legend>
      <label className="field">
        <span className="field-label">{t('settings.preset')}</span>
        <select value={key(active)} onChange={(event) => choose(event.target.value)} data-testid="preset-select">
          {active === null && <option value="">{t('settings.presetCustom')}</option>}
          <optgroup label={t('settings.builtInPresets')}>
            {BUILT_IN_PRESETS.map((preset) => (
              <option key={preset.id} value={`built-in:${preset.id}`}>
                {t(`presets.${preset.id}.name`)}
              </option>
            ))}
          </optgroup>
          {own.length > 0 && (
            <optgroup label={t('settings.ownPresets')}>
              {own.map((preset) => (
                <option key={preset.name} value={`own:${preset.name}`}>
                  {preset.name}
                </option>
              ))}
            </optgroup>
          )}
        </select>
        <span className="field-hint" data-testid="preset-description">
          {description}
        </span>
      </label>
      <label className="field">
        <span className="field-label">{t('settings.presetName')}</span>
        <input
          type="text"
          value={name}
          maxLength={PRESET_LIMITS.nameChars}
          onChange={(event) => setName(event.target.value)}
          data-testid="preset-name"
        />
        <button type="button" className="text-button" disabled={trimmed === '' || full} onClick={saveOwn} data-testid="preset-save">
          {t('settings.presetSave')}
        </button>
      </label>
      <div className="form-actions">
        <button type="button" className="text-button" disabled={!ownActive} onClick={remove} data-testid="preset-delete">
          {t('settings.presetDelete')}
        </button>
        <button
          type="button"
          className="text-button"
          disabled={!ownActive && !chosenBuiltIn}
          onClick={exportNow}
          data-testid="preset-export"
        >
          {t('settings.presetExport')}
        </button>
        <FileImportButton
          label={t('settings.presetImport')}
          accept=".json,application/json"
          className="text-button"
          testId="preset-import"
          onFile={(file) => void importFile(file)}
        />
      </div>
      {outcome && (
        <p
          className={outcome.ok ? 'panel-hint' : 'notice notice-error'}
          role={outcome.ok ? 'status' : 'alert'}
          data-testid="preset-outcome"
        >
          {outcome.text}
        </p>
      )}
    </fieldset>
  );
}

/** DRY's number knobs: each labelled by settings.<label> and ranged by GENERATION_LIMITS.<label>. */
const DRY_NUMBERS = [
  { key: 'multiplier', label: 'dryMultiplier', step: 0.1, testId: 'dry-multiplier' },
  { key: 'base', label: 'dryBase', step: 0.05, testId: 'dry-base' },
  { key: 'allowedLength', label: 'dryAllowedLength', step: 1, testId: 'dry-allowed-length' },
] as const satisfies readonly { key: keyof DrySettings; label: keyof typeof GENERATION_LIMITS; step: number; testId: string }[];

function problemText(problem: SteeringLineProblem, t: TFunction): string {
  return t(`settings.steeringProblems.${problem.kind}`, problem);
}

/**
 * Anti-slop: banned words and phrases (one a line, `/…/` for an RE2 regular expression), phrase bias
 * (`phrase = ±strength` a line) and DRY. A line that would be refused is named, and Save waits until it is fixed.
 * With a server as the engine a hint says which of them it is never sent (completionBody in
 * services/remote-engine/completions-wire.ts), so the writer's settings are not dropped without a word.
 */
export function AntiSlopSettings({
  draft,
  update,
  onValid,
  serverEngine,
}: {
  draft: Settings;
  update: Update;
  onValid(valid: boolean): void;
  serverEngine: boolean;
}) {
  const { t } = useTranslation();
  const [banText, setBanText] = useState(() => formatBanLines(draft.steering));
  const [biasText, setBiasText] = useState(() => formatBiasLines(draft.steering.bias));
  const bans = parseBanLines(banText);
  const bias = parseBiasLines(biasText);
  const dry: DrySettings = draft.sampler.dry ?? DEFAULT_DRY;
  const L = GENERATION_LIMITS;

  const setBans = (text: string) => {
    setBanText(text);
    const parsed = parseBanLines(text);
    onValid(parsed.ok && parseBiasLines(biasText).ok);
    if (parsed.ok) update((current) => ({ ...current, steering: { ...current.steering, ...parsed.value } }));
  };
  const setBias = (text: string) => {
    setBiasText(text);
    const parsed = parseBiasLines(text);
    onValid(parsed.ok && parseBanLines(banText).ok);
    if (parsed.ok) update((current) => ({ ...current, steering: { ...current.steering, bias: parsed.value } }));
  };
  const setDry = <K extends keyof DrySettings>(field: K, value: DrySettings[K]) =>
    update((current) => ({
      ...current,
      sampler: { ...current.sampler, dry: { ...(current.sampler.dry ?? DEFAULT_DRY), [field]: value } },
      presets: { ...current.presets, active: null },
    }));

  return (
    <fieldset data-testid="anti-slop-settings">
      <legend>{t('settings.antiSlop')}</legend>
      {serverEngine && (
        <p className="panel-hint" data-testid="server-steering-hint">
          {t('settings.serverSteering')}
        </p>
      )}
      <LinesField
        label={t('settings.bans')}
        rows={4}
        text={banText}
        hint={bans.ok ? t('settings.bansHint') : null}
        problem={bans.ok ? null : problemText(bans.problem, t)}
        onChange={setBans}
        testId="bans"
      />
      <LinesField
        label={t('settings.bias')}
        rows={3}
        text={biasText}
        hint={bias.ok ? t('settings.biasHint', { min: L.biasStrength.min, max: L.biasStrength.max }) : null}
        problem={bias.ok ? null : problemText(bias.problem, t)}
        onChange={setBias}
        testId="bias"
      />
      {DRY_NUMBERS.map(({ key, label, step, testId }) => (
        <NumberField
          key={key}
          label={t(`settings.${label}`)}
          value={dry[key]}
          limits={L[label]}
          step={step}
          onChange={(value) => setDry(key, value)}
          testId={testId}
        />
      ))}
    </fieldset>
  );
}

/** A textarea of lines, with its hint or, while a line would be refused, that line's problem in its place. */
function LinesField(props: {
  label: string;
  rows: number;
  text: string;
  hint: string | null;
  problem: string | null;
  testId: string;
  onChange(text: string): void;
}) {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <textarea
        rows={props.rows}
        value={props.text}
        aria-invalid={props.problem !== null}
        onChange={(event) => props.onChange(event.target.value)}
        data-testid={`${props.testId}-input`}
      />
      <span className={props.problem === null ? 'field-hint' : 'field-hint field-problem'} data-testid={`${props.testId}-hint`}>
        {props.problem ?? props.hint}
      </span>
    </label>
  );
}
