/**
 * Issue 12's steering in Settings: sampler presets (built in, the writer's own, preset files out and in) with the
 * active one in the status bar, and anti-slop (banned words, phrases and patterns, phrase bias, DRY) checked line by
 * line with the request's own limits.
 */
import { useState } from 'react';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SettingsPanel } from '../../renderer/panels/SettingsPanel.js';
import { StatusBar } from '../../renderer/panels/StatusBar.js';
import { presetLabel } from '../../renderer/panels/SteeringSettings.js';
import { readText } from '../../renderer/panels/FileImportButton.js';
import { noFilterCounts } from '../../renderer/editor/suggestion-filters.js';
import { i18n } from '../../renderer/i18n/index.js';
import type { EngineState, Settings } from '../../electron/shared/api.js';
import { defaultSettings, settingsSchema } from '../../electron/common/settings.js';
import { builtInPreset } from '../../electron/common/presets.js';

const engine: EngineState = { status: 'no-model', modelDir: null, info: null, message: null, restarts: 0 };

/** Settings and the status bar as App wires them: what Save keeps is what the status bar names. */
function Harness({ initial, onSave }: { initial: Settings; onSave(settings: Settings): void }) {
  const [settings, setSettings] = useState(initial);
  return (
    <>
      <SettingsPanel
        state={{ settings, location: '/s.json', notice: null }}
        activeModelDir={null}
        mode="electron"
        onSave={(next) => {
          // The services check what is saved with the one schema; so does this stand-in.
          const parsed = settingsSchema.parse(next);
          onSave(parsed);
          setSettings(parsed);
          return Promise.resolve();
        }}
        onClose={() => undefined}
      />
      <StatusBar
        engine={engine}
        stats={null}
        words={0}
        link="open"
        suggestions={{ mode: 'automatic', filtered: noFilterCounts() }}
        preset={presetLabel(settings.presets.active, i18n.t)}
      />
    </>
  );
}

function renderHarness(initial: Settings = defaultSettings()) {
  const onSave = vi.fn((_: Settings) => undefined);
  render(<Harness initial={initial} onSave={onSave} />);
  return onSave;
}

const save = () => fireEvent.click(screen.getByTestId('save-settings'));
const lastSaved = (onSave: ReturnType<typeof renderHarness>) => onSave.mock.calls.at(-1)![0];

/** Blobs the page handed to a download link, by file name (jsdom has no object URLs of its own). */
const downloads = new Map<string, Blob>();
beforeEach(() => {
  downloads.clear();
  let next = 0;
  const blobs = new Map<string, Blob>();
  URL.createObjectURL = (blob: Blob | MediaSource) => {
    const url = `blob:test/${next++}`;
    blobs.set(url, blob as Blob);
    return url;
  };
  URL.revokeObjectURL = () => undefined;
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    const blob = blobs.get(this.href);
    if (blob) downloads.set(this.download, blob);
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('Settings → sampler preset', () => {
  it('starts Custom; choosing a built-in preset sets its sampler, and after Save the status bar names it', async () => {
    const onSave = renderHarness();
    expect(screen.getByTestId('preset-status').textContent).toBe('Preset: Custom');
    fireEvent.change(screen.getByTestId('preset-select'), { target: { value: 'built-in:focused' } });
    expect(screen.getByTestId('preset-description').textContent).toBe(builtInPreset('focused')!.description);
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    const saved = lastSaved(onSave);
    expect(saved.sampler).toEqual(builtInPreset('focused')!.sampler);
    expect(saved.presets.active).toEqual({ kind: 'built-in', id: 'focused' });
    await waitFor(() => expect(screen.getByTestId('preset-status').textContent).toBe('Preset: Focused'));
  });

  it('setting a knob by hand leaves the preset: Custom again', async () => {
    const onSave = renderHarness({ ...defaultSettings(), presets: { active: { kind: 'built-in', id: 'creative' }, own: [] } });
    expect(screen.getByTestId('preset-status').textContent).toBe('Preset: Creative');
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '0.3' } });
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(lastSaved(onSave).presets.active).toBeNull();
    expect(lastSaved(onSave).sampler.temperature).toBe(0.3);
    await waitFor(() => expect(screen.getByTestId('preset-status').textContent).toBe('Preset: Custom'));
  });

  it('saves the sampler as an own preset, exports it, deletes it, and imports the file back unchanged', async () => {
    const onSave = renderHarness();
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '0.65' } });
    fireEvent.change(screen.getByTestId('preset-name'), { target: { value: 'Night shift' } });
    fireEvent.click(screen.getByTestId('preset-save'));
    expect((screen.getByTestId('preset-select') as HTMLSelectElement).value).toBe('own:Night shift');

    fireEvent.click(screen.getByTestId('preset-export'));
    const file = downloads.get('Night shift.kaituhi-preset.json');
    expect(file).toBeDefined();
    const text = await readText(file!);
    expect(JSON.parse(text)).toMatchObject({ format: 'kaituhi-sampler-preset', version: 1, name: 'Night shift' });

    fireEvent.click(screen.getByTestId('preset-delete'));
    expect(screen.queryByRole('option', { name: 'Night shift' })).toBeNull();
    fireEvent.change(screen.getByTestId('preset-select'), { target: { value: 'built-in:predictable' } });

    fireEvent.change(screen.getByTestId('preset-import-file'), { target: { files: [new File([text], 'night.json')] } });
    await waitFor(() =>
      expect(screen.getByTestId('preset-outcome').textContent).toBe('Imported “Night shift” and chose it. Save the settings to keep it.'),
    );
    expect((screen.getByTestId('preset-select') as HTMLSelectElement).value).toBe('own:Night shift');
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    const saved = lastSaved(onSave);
    expect(saved.presets.own).toEqual([
      { name: 'Night shift', description: '', sampler: { ...defaultSettings().sampler, temperature: 0.65 } },
    ]);
    expect(saved.sampler.temperature).toBe(0.65);
    expect(saved.sampler.greedy).toBe(false);
    await waitFor(() => expect(screen.getByTestId('preset-status').textContent).toBe('Preset: Night shift'));
  });

  it('refuses a bad file with a sentence and keeps the presets as they were', async () => {
    renderHarness();
    const input = screen.getByTestId('preset-import-file');
    fireEvent.change(input, { target: { files: [new File(['{"format":"kaituhi-sampler-preset","version":1,"name":"x"}'], 'x.json')] } });
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'That file could not be imported. This is not a Kaituhi sampler preset this version can read: sampler: Invalid input: expected object, received undefined.',
      ),
    );
    fireEvent.change(input, { target: { files: [new File(['not json'], 'y.json')] } });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/This file is not JSON/));
    expect((screen.getByTestId('preset-select') as HTMLSelectElement).value).toBe('');
    expect(screen.queryByRole('group', { name: 'Your own' })).toBeNull();
  });
});

describe('Settings → anti-slop', () => {
  it('saves banned phrases, a banned pattern, phrase bias and DRY as the request fields', async () => {
    const onSave = renderHarness();
    fireEvent.change(screen.getByTestId('bans-input'), { target: { value: 'suddenly\n\n  a shiver ran down  \n/tapestry|testament/' } });
    fireEvent.change(screen.getByTestId('bias-input'), { target: { value: 'the harbour = +5\nsomehow=-10' } });
    fireEvent.change(screen.getByTestId('dry-multiplier'), { target: { value: '0.8' } });
    fireEvent.change(screen.getByTestId('dry-allowed-length'), { target: { value: '3' } });
    save();
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    const saved = lastSaved(onSave);
    expect(saved.steering).toEqual({
      bans: ['suddenly', 'a shiver ran down'],
      banRegexes: ['tapestry|testament'],
      bias: [
        { phrase: 'the harbour', strength: 5 },
        { phrase: 'somehow', strength: -10 },
      ],
    });
    expect(saved.sampler.dry).toMatchObject({ multiplier: 0.8, base: 1.75, allowedLength: 3 });
    expect(saved.presets.active).toBeNull();
  });

  it('names the line RE2 cannot run, or a bias out of range, and waits with Save until it is fixed', () => {
    renderHarness();
    fireEvent.change(screen.getByTestId('bans-input'), { target: { value: 'fine\n/(?<=x)y/' } });
    expect(screen.getByTestId('bans-hint').textContent).toMatch(/^Line 2 is not a regular expression RE2 can run: /);
    expect((screen.getByTestId('save-settings') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('bans-input'), { target: { value: 'fine\n/x+y/' } });
    expect((screen.getByTestId('save-settings') as HTMLButtonElement).disabled).toBe(false);
    fireEvent.change(screen.getByTestId('bias-input'), { target: { value: 'storm = 500' } });
    expect(screen.getByTestId('bias-hint').textContent).toBe('Line 1: the strength must be from -100 to 100.');
    expect((screen.getByTestId('save-settings') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('bias-input'), { target: { value: 'storm' } });
    expect(screen.getByTestId('bias-hint').textContent).toBe('Line 1 should read phrase = strength, such as “suddenly = -10”.');
  });
});
