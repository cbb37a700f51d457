import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatusBar } from '../../renderer/panels/StatusBar.js';
import { CandidatesPanel } from '../../renderer/panels/CandidatesPanel.js';
import { SettingsPanel } from '../../renderer/panels/SettingsPanel.js';
import { NoticeBar } from '../../renderer/panels/NoticeBar.js';
import { noticesFor } from '../../renderer/state/notices.js';
import { i18n } from '../../renderer/i18n/index.js';
import type { EngineInfo, EngineState, GenerationStats } from '../../electron/shared/api.js';
import { defaultSettings } from '../../electron/common/settings.js';
import { noFilterCounts } from '../../renderer/editor/suggestion-filters.js';

const quiet = { mode: 'automatic' as const, filtered: noFilterCounts() };

afterEach(cleanup);

const info: EngineInfo = {
  modelDir: '/models/gpt2',
  modelName: 'gpt2',
  format: 'onnx',
  precision: 'int8',
  device: 'cpu',
  fallbackReason: 'CUDA: libcudart.so.12 not found',
  graph: 'kaituhi',
  graphFallbackReason: null,
  contextWindow: 1024,
  vocabSize: 50257,
  layers: 12,
  loadMs: 400,
};
const ready: EngineState = { status: 'ready', modelDir: info.modelDir, info, message: null, restarts: 0 };
const stats: GenerationStats = {
  promptTokens: 300,
  reusedTokens: 290,
  prefillMs: 10,
  firstTokenMs: 20,
  decodeMs: 200,
  generatedTokens: 20,
  tokensPerSecond: 48.25,
  contextTokens: 320,
  contextWindow: 1024,
};

describe('status bar', () => {
  it('shows model, device with the fallback reason on hover, speed and window use', () => {
    render(<StatusBar engine={ready} stats={stats} words={1234} link="open" suggestions={quiet} />);
    expect(screen.getByTestId('model-name').textContent).toBe('gpt2 · int8');
    expect(screen.getByTestId('device').textContent).toBe('CPU (fallback)');
    expect(screen.getByTestId('device').getAttribute('title')).toBe('Fell back: CUDA: libcudart.so.12 not found');
    expect(screen.getByTestId('tokens-per-second').textContent).toBe('48.3 tok/s');
    expect(screen.getByTestId('context-use').textContent).toBe('320 / 1024 ctx');
    expect(screen.getByTestId('word-count').textContent).toBe('1,234 words');
  });

  it('says when there is no model and when the connection is lost', () => {
    render(
      <StatusBar
        engine={{ status: 'no-model', modelDir: null, info: null, message: 'none', restarts: 0 }}
        stats={null}
        words={1}
        link="closed"
        suggestions={quiet}
      />,
    );
    expect(screen.getByTestId('engine-status').textContent).toBe('No model');
    expect(screen.getByText(/Disconnected/)).toBeTruthy();
    expect(screen.getByTestId('word-count').textContent).toBe('1 word');
  });
});

describe('status bar: ghost text', () => {
  it('shows the mode in effect, and on hover how often each filter kept a suggestion off the screen', () => {
    const filtered = { blank: 3, repeat: 1, 'end-of-text': 0, 'split-word': 2 };
    const { rerender } = render(
      <StatusBar engine={ready} stats={stats} words={1} link="open" suggestions={{ mode: 'automatic', filtered }} />,
    );
    const ghost = screen.getByTestId('ghost-status');
    expect(ghost.textContent).toBe('Ghost: auto');
    expect(ghost.getAttribute('title')).toBe(
      'Suggestions not shown so far: 3 only whitespace or punctuation · 1 repeated the sentence before · 0 held the end-of-text token · 2 would have split a word',
    );
    rerender(
      <StatusBar
        engine={ready}
        stats={stats}
        words={1}
        link="open"
        suggestions={{ mode: 'manual', filtered: { ...filtered, 'end-of-text': 1200 } }}
      />,
    );
    expect(ghost.textContent).toBe('Ghost: manual');
    expect(ghost.getAttribute('title')).toContain('1,200 held the end-of-text token');
  });
});

describe('candidate cards', () => {
  it('inserts on click, regenerates on Regenerate, and cannot insert an empty card', () => {
    const onInsert = vi.fn();
    const onRegenerate = vi.fn();
    render(
      <CandidatesPanel
        cards={[
          { index: 0, text: ' The tide turned.', status: 'done', error: null },
          { index: 1, text: '', status: 'streaming', error: null },
          { index: 2, text: ' And', status: 'failed', error: 'the engine stopped' },
        ]}
        onInsert={onInsert}
        onRegenerate={onRegenerate}
        onClose={() => undefined}
      />,
    );
    fireEvent.click(screen.getByText('The tide turned.'));
    expect(onInsert).toHaveBeenCalledWith(0);
    expect((screen.getByText('Writing…').closest('button') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getAllByTestId('regenerate')[2]!);
    expect(onRegenerate).toHaveBeenCalledWith(2);
    expect(screen.getByTitle('the engine stopped').textContent).toMatch(/Interrupted/);
  });
});

describe('settings panel', () => {
  it('saves the edited copy and shows the load notice', async () => {
    const onSave = vi.fn(() => Promise.resolve());
    render(
      <SettingsPanel
        state={{
          settings: defaultSettings(),
          location: '/home/w/.config/Kaituhi/settings.json',
          notice: { problem: 'damaged', detail: 'not JSON', keptAs: null },
        }}
        activeModelDir="/models/override"
        mode="electron"
        onSave={onSave}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByTestId('settings-notice').textContent).toBe(
      'The settings file was damaged, so the defaults are in use. (Why: not JSON)',
    );
    expect(screen.getByText(/In use now: \/models\/override/)).toBeTruthy();
    expect(screen.getByPlaceholderText('/path/to/gpt2')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Temperature'), { target: { value: '1.2' } });
    fireEvent.change(screen.getByLabelText('Length'), { target: { value: 'paragraph' } });
    fireEvent.change(screen.getByLabelText('Seed (empty = random)'), { target: { value: '42' } });
    fireEvent.click(screen.getByTestId('save-settings'));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    const saved = (onSave.mock.calls[0] as unknown as [ReturnType<typeof defaultSettings>])[0];
    expect(saved.sampler.temperature).toBe(1.2);
    expect(saved.sampler.seed).toBe(42);
    expect(saved.inline.length).toBe('paragraph');
  });

  it('switches suggestions to manual and the ghost text upright', async () => {
    const onSave = vi.fn(() => Promise.resolve());
    render(
      <SettingsPanel
        state={{ settings: defaultSettings(), location: '/s.json', notice: null }}
        activeModelDir={null}
        mode="electron"
        onSave={onSave}
        onClose={() => undefined}
      />,
    );
    expect((screen.getByLabelText('Suggestions come') as HTMLSelectElement).value).toBe('automatic');
    expect((screen.getByLabelText('Ghost text in italics') as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByLabelText('Suggestions come'), { target: { value: 'manual' } });
    fireEvent.click(screen.getByLabelText('Ghost text in italics'));
    fireEvent.click(screen.getByTestId('save-settings'));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    const saved = (onSave.mock.calls[0] as unknown as [ReturnType<typeof defaultSettings>])[0];
    expect(saved.inline).toEqual({ ...defaultSettings().inline, mode: 'manual', italic: false });
  });

  it('shows why a save failed', async () => {
    render(
      <SettingsPanel
        state={{ settings: defaultSettings(), location: '/s.json', notice: null }}
        activeModelDir={null}
        mode="electron"
        onSave={() => Promise.reject(new Error('Settings not saved: disk full'))}
        onClose={() => undefined}
      />,
    );
    fireEvent.click(screen.getByTestId('save-settings'));
    expect((await screen.findByRole('alert')).textContent).toBe('Settings not saved: disk full');
  });

  it('in server mode offers no folder field: the page may not name a folder on the disk', () => {
    render(
      <SettingsPanel
        state={{ settings: defaultSettings(), location: '/s.json', notice: null }}
        activeModelDir="/models/gpt2"
        mode="server"
        onSave={() => Promise.resolve()}
        onClose={() => undefined}
      />,
    );
    expect(screen.queryByPlaceholderText('/path/to/gpt2')).toBeNull();
    expect(screen.getByTestId('model-folder-server').textContent).toMatch(/Model in use: \/models\/gpt2.*Models panel/);
  });
});

describe('notices', () => {
  it('in server mode, a missing model points to the Models panel and the import folder, not to a folder setting', () => {
    const noModel = { ...ready, status: 'no-model' as const, info: null, modelDir: null };
    expect(noticesFor(noModel, null, 'open', i18n.t, 'server')[0]?.text).toMatch(/--import-root/);
    expect(noticesFor(noModel, null, 'open', i18n.t, 'server')[0]?.text).not.toMatch(/in Settings/);
    expect(noticesFor(noModel, null, 'open', i18n.t, 'electron')[0]?.text).toMatch(/in Settings/);
  });

  it('tells a restart apart from the next one, so dismissing one does not hide the other', () => {
    const first = noticesFor({ ...ready, message: 'restarted', restarts: 1 }, null, 'open', i18n.t);
    const second = noticesFor({ ...ready, message: 'restarted', restarts: 2 }, null, 'open', i18n.t);
    expect(first[0]?.id).not.toBe(second[0]?.id);
    expect(noticesFor(ready, null, 'open', i18n.t)).toEqual([]);
  });

  it('renders and dismisses', () => {
    const onDismiss = vi.fn();
    render(<NoticeBar notices={[{ id: 'no-model', tone: 'info', text: 'No model is loaded', dismissible: true }]} onDismiss={onDismiss} />);
    fireEvent.click(screen.getByLabelText('Dismiss'));
    expect(onDismiss).toHaveBeenCalledWith('no-model');
  });
});
