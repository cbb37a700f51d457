/**
 * Issue 15 in the interface: Settings → Engine (this computer or a server, with its address, key and model), the
 * status bar with a server's name, model and latency, and the notices for a server that is down, refusing or slow,
 * each offering the way back to this computer.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatusBar } from '../../renderer/panels/StatusBar.js';
import { noFilterCounts } from '../../renderer/editor/suggestion-filters.js';
import { SettingsPanel } from '../../renderer/panels/SettingsPanel.js';
import { NoticeBar } from '../../renderer/panels/NoticeBar.js';
import { noticesFor } from '../../renderer/state/notices.js';
import { i18n } from '../../renderer/i18n/index.js';
import type { EngineState, RemoteEngineStatus, Settings } from '../../electron/shared/api.js';
import { defaultSettings } from '../../electron/common/settings.js';

afterEach(cleanup);

const remote: RemoteEngineStatus = {
  url: 'http://gpu-box:8080/v1',
  model: 'gpt2-xl',
  contextWindow: 1024,
  latencyMs: 182,
  problem: null,
  detail: null,
};
const onServer = (status: EngineState['status'], over: Partial<RemoteEngineStatus> = {}): EngineState => ({
  status,
  modelDir: null,
  info: null,
  message: null,
  restarts: 0,
  remote: { ...remote, ...over },
});

function renderSettings(settings: Settings, onSave = vi.fn((_: Settings) => Promise.resolve()), engine?: EngineState) {
  render(
    <SettingsPanel
      state={{ settings, location: '/s.json', notice: null }}
      activeModelDir="/models/gpt2"
      // As App passes it.
      serverEngine={Boolean(engine?.remote)}
      mode="electron"
      onSave={onSave}
      onClose={() => undefined}
    />,
  );
  return onSave;
}

describe('Settings → Engine', () => {
  it('starts on this computer, with no server fields', () => {
    renderSettings(defaultSettings());
    expect((screen.getByTestId('engine-local') as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId('server-url')).toBeNull();
  });

  it('saves a server: its address (trimmed), key and model; the key field hides what is typed', async () => {
    const onSave = renderSettings(defaultSettings());
    fireEvent.click(screen.getByTestId('engine-remote'));
    expect(screen.getByText('Used when the engine is this computer.')).toBeTruthy();
    fireEvent.change(screen.getByTestId('server-url'), { target: { value: '  http://gpu-box:8080/v1 ' } });
    fireEvent.change(screen.getByTestId('server-key'), { target: { value: 'sk-local-123' } });
    fireEvent.change(screen.getByTestId('server-model'), { target: { value: 'gpt2-xl' } });
    expect(screen.getByTestId('server-key').getAttribute('type')).toBe('password');
    expect(screen.getByTestId('server-key').getAttribute('autocomplete')).toBe('off');
    fireEvent.click(screen.getByTestId('save-settings'));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0]![0].engine).toEqual({
      source: 'remote',
      url: 'http://gpu-box:8080/v1',
      apiKey: 'sk-local-123',
      model: 'gpt2-xl',
    });
  });

  it('says what is wrong with an address, in the interface’s words, and does not save it', async () => {
    const onSave = renderSettings(defaultSettings());
    fireEvent.click(screen.getByTestId('engine-remote'));
    const cases: Array<[string, RegExp]> = [
      ['', /Not an address/],
      ['gpu-box:8080', /must start with http/],
      ['ftp://gpu-box/v1', /must start with http/],
      ['http://me:secret@gpu-box:8080/v1', /No user name or password/],
      ['http://gpu-box:8080/v1?key=abc', /No query/],
    ];
    for (const [url, problem] of cases) {
      fireEvent.change(screen.getByTestId('server-url'), { target: { value: url } });
      expect(screen.getByText(problem)).toBeTruthy();
      expect((screen.getByTestId('save-settings') as HTMLButtonElement).disabled).toBe(true);
    }
    fireEvent.submit(screen.getByTestId('save-settings').closest('form')!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(onSave).not.toHaveBeenCalled();
  });

  it('keeps the server’s address and key when switching back to this computer', async () => {
    const settings: Settings = { ...defaultSettings(), engine: { source: 'remote', url: 'http://gpu-box:8080', apiKey: 'k', model: '' } };
    const onSave = renderSettings(settings);
    fireEvent.click(screen.getByTestId('engine-local'));
    fireEvent.click(screen.getByTestId('save-settings'));
    await waitFor(() => expect(onSave).toHaveBeenCalled());
    expect(onSave.mock.calls[0]![0].engine).toEqual({ source: 'local', url: 'http://gpu-box:8080', apiKey: 'k', model: '' });
  });
});

describe('Settings → Anti-slop with a server engine', () => {
  const onThisComputer: EngineState = { status: 'ready', modelDir: '/models/gpt2', info: null, message: null, restarts: 0 };
  const hint = () => screen.queryByTestId('server-steering-hint');

  it('says which steering settings a server is not sent, and says nothing on this computer', () => {
    renderSettings(defaultSettings(), undefined, onServer('ready'));
    const text = hint()?.textContent ?? '';
    for (const setting of ['banned words and phrases', 'phrase bias', 'DRY', 'no-repeat n-gram', 'repetition penalty looks']) {
      expect(text).toContain(setting);
    }
    // It stands with the settings it is about.
    expect(screen.getByTestId('anti-slop-settings').contains(hint())).toBe(true);
    cleanup();
    renderSettings(defaultSettings(), undefined, onThisComputer);
    expect(hint()).toBeNull();
  });

  it('appears as soon as a server is chosen, before Save, and goes when this computer is chosen again', () => {
    renderSettings(defaultSettings(), undefined, onThisComputer);
    fireEvent.click(screen.getByTestId('engine-remote'));
    expect(hint()).not.toBeNull();
    fireEvent.click(screen.getByTestId('engine-local'));
    expect(hint()).toBeNull();
  });

  it('speaks Chinese in a Chinese interface', async () => {
    await i18n.changeLanguage('zh-CN');
    try {
      renderSettings(defaultSettings(), undefined, onServer('ready'));
      expect(hint()?.textContent).toMatch(/禁用的词和短语、短语偏好、DRY 和禁止重复的 n 元组都不会发送/);
    } finally {
      await i18n.changeLanguage('en');
    }
  });
});

describe('the status bar with a server engine', () => {
  it('shows the server, its model and its latency instead of a device', () => {
    render(
      <StatusBar
        engine={onServer('ready')}
        stats={null}
        words={3}
        link="open"
        suggestions={{ mode: 'automatic', filtered: noFilterCounts() }}
      />,
    );
    expect(screen.getByTestId('engine-server').textContent).toBe('gpu-box:8080');
    expect(screen.getByTestId('engine-server').getAttribute('title')).toBe('The engine is a server: http://gpu-box:8080/v1');
    expect(screen.getByTestId('model-name').textContent).toBe('gpt2-xl');
    expect(screen.getByTestId('server-latency').textContent).toBe('182 ms');
    expect(screen.queryByTestId('device')).toBeNull();
    expect(screen.getByTestId('context-use').textContent).toBe('– / 1024 ctx');
  });

  it('says when the server is being reached or is unavailable', () => {
    render(
      <StatusBar
        engine={onServer('loading', { model: null, latencyMs: null })}
        stats={null}
        words={3}
        link="open"
        suggestions={{ mode: 'automatic', filtered: noFilterCounts() }}
      />,
    );
    expect(screen.getByTestId('engine-status').textContent).toBe('Reaching the server…');
    cleanup();
    render(
      <StatusBar
        engine={onServer('failed', { problem: 'unreachable' })}
        stats={null}
        words={3}
        link="open"
        suggestions={{ mode: 'automatic', filtered: noFilterCounts() }}
      />,
    );
    expect(screen.getByTestId('engine-status').textContent).toBe('Server unavailable');
  });
});

describe('notices for a server engine', () => {
  const useThisComputer = vi.fn();

  it('none while the server answers in time', () => {
    expect(noticesFor(onServer('ready'), null, 'open', i18n.t, 'electron', { useThisComputer })).toEqual([]);
  });

  it('a server that is down: what happened, that the text is safe, and a button back to this computer', () => {
    const down = onServer('failed', { problem: 'unreachable', detail: 'connect ECONNREFUSED 10.0.0.5:8080' });
    const notices = noticesFor(down, null, 'open', i18n.t, 'electron', { useThisComputer });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ tone: 'error', dismissible: false });
    expect(notices[0]!.text).toMatch(/http:\/\/gpu-box:8080\/v1 is not answering \(connect ECONNREFUSED.*\).*text is safe/);
    render(<NoticeBar notices={notices} onDismiss={() => undefined} />);
    fireEvent.click(screen.getByTestId('use-this-computer'));
    expect(useThisComputer).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('use-this-computer').textContent).toBe('Use this computer');
  });

  it('a server that refuses, one that refused a request, one that is slow: each its own words and id', () => {
    const refuses = noticesFor(onServer('failed', { problem: 'refused', detail: 'Missing or wrong API key' }), null, 'open', i18n.t);
    expect(refuses[0]!.text).toMatch(/refuses to serve: Missing or wrong API key.*Settings → Engine/);
    const once = noticesFor(onServer('ready', { problem: 'refused', detail: 'logprobs: too many' }), null, 'open', i18n.t);
    expect(once[0]).toMatchObject({ tone: 'warning', dismissible: true });
    expect(once[0]!.text).toMatch(/refused the last request: logprobs: too many/);
    const slow = noticesFor(onServer('ready', { problem: 'slow', latencyMs: 6400 }), null, 'open', i18n.t, 'electron', { useThisComputer });
    expect(slow[0]!.text).toMatch(/slow: 6,400 ms to the first word/);
    expect(slow[0]!.action?.label).toBe('Use this computer');
    expect(new Set([refuses[0]!.id, once[0]!.id, slow[0]!.id]).size).toBe(3);
  });

  it('speaks Chinese in a Chinese interface, with the server’s own words as they are', async () => {
    await i18n.changeLanguage('zh-CN');
    try {
      const down = noticesFor(onServer('failed', { problem: 'unreachable', detail: 'ECONNREFUSED' }), null, 'open', i18n.t, 'electron', {
        useThisComputer,
      });
      expect(down[0]!.text).toMatch(/服务器没有响应（ECONNREFUSED）/);
      expect(down[0]!.action?.label).toBe('改用本机');
    } finally {
      await i18n.changeLanguage('en');
    }
  });
});
