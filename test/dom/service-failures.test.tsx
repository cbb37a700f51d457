/**
 * Failures the services report, worded in the interface's language from their code: a settings file that could not
 * be used, a download that stopped, an import that was refused. Only the services' own detail (a file name, the
 * validator's or the hub's words) stays as they wrote it.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoticeBar } from '../../renderer/panels/NoticeBar.js';
import { SettingsPanel } from '../../renderer/panels/SettingsPanel.js';
import { ModelsPanel, type ModelsPanelApi } from '../../renderer/panels/models/ModelsPanel.js';
import { noticesFor } from '../../renderer/state/notices.js';
import { i18n } from '../../renderer/i18n/index.js';
import { defaultSettings } from '../../electron/common/settings.js';
import type {
  DownloadState,
  EngineState,
  ModelOffer,
  ModelsState,
  SettingsNotice,
  SettingsState,
  StoreErrorInfo,
} from '../../electron/shared/api.js';

afterEach(async () => {
  cleanup();
  await i18n.changeLanguage('en');
});

const settingsWith = (notice: SettingsNotice): SettingsState => ({ settings: defaultSettings(), location: '/s/settings.json', notice });
const unreadable = settingsWith({ problem: 'unreadable', detail: 'EACCES: permission denied', keptAs: null });
const damaged = settingsWith({ problem: 'damaged', detail: 'not JSON', keptAs: '/s/settings.json.corrupt-2026' });
const damagedNotMoved = settingsWith({ problem: 'damaged', detail: 'theme: Invalid option', keptAs: null });

function settingsNoticeText(state: SettingsState): string {
  render(<NoticeBar notices={noticesFor(null, state, 'open', i18n.t)} onDismiss={() => undefined} />);
  const text = screen.getByTestId('notice-settings').querySelector('span')!.textContent!;
  cleanup();
  return text;
}

describe('the settings file notice', () => {
  it('English: why the defaults are in use, where a damaged file went, the reader’s words as the reason', () => {
    expect(settingsNoticeText(unreadable)).toBe(
      'Could not read the settings file, so the defaults are in use. (Why: EACCES: permission denied)',
    );
    expect(settingsNoticeText(damaged)).toBe(
      'The settings file was damaged, so the defaults are in use. The old file was kept as /s/settings.json.corrupt-2026. (Why: not JSON)',
    );
    expect(settingsNoticeText(damagedNotMoved)).toBe(
      'The settings file was damaged, so the defaults are in use. (Why: theme: Invalid option)',
    );
  });

  it('Chinese: the same, in Chinese, above the editor and in the Settings panel', async () => {
    await i18n.changeLanguage('zh-CN');
    expect(settingsNoticeText(unreadable)).toBe('无法读取设置文件，现在使用默认设置。（原因：EACCES: permission denied）');
    expect(settingsNoticeText(damaged)).toBe(
      '设置文件已损坏，现在使用默认设置。旧文件已保留为 /s/settings.json.corrupt-2026。（原因：not JSON）',
    );
    expect(settingsNoticeText(damagedNotMoved)).toBe('设置文件已损坏，现在使用默认设置。（原因：theme: Invalid option）');
    render(<SettingsPanel state={damaged} activeModelDir={null} mode="electron" onSave={vi.fn()} onClose={() => undefined} />);
    expect(screen.getByTestId('settings-notice').textContent).toBe(
      '设置文件已损坏，现在使用默认设置。旧文件已保留为 /s/settings.json.corrupt-2026。（原因：not JSON）',
    );
  });
});

const noModel: EngineState = { status: 'no-model', modelDir: null, info: null, message: 'none', restarts: 0 };
const api: ModelsPanelApi = {
  // The first-run offer never arrives: these tests look only at failures.
  getModelOffer: vi.fn(() => new Promise<ModelOffer>(() => undefined)),
  downloadModel: vi.fn(async () => null),
  pauseDownload: vi.fn(async () => null),
  cancelDownload: vi.fn(async () => null),
  setActiveModel: vi.fn(async () => null),
  deleteModel: vi.fn(async () => null),
  listImportFolders: vi.fn(async () => []),
  importModel: vi.fn(async () => null),
};
const HUB_DOWN: StoreErrorInfo = {
  code: 'network',
  message: 'gpt2-onnx-int8: gave up after 5 retries (ECONNRESET). The download can be resumed.',
  file: 'gpt2-onnx-int8',
};
const NO_DISK: StoreErrorInfo = { code: 'disk-full', message: 'ENOSPC: no space left on device, write', file: null };
const NOT_A_MODEL: StoreErrorInfo = {
  code: 'invalid-model',
  message: '/import/broken cannot be imported: no tokenizer (vocab.json and merges.txt, or tokenizer.json).',
  file: null,
};

function modelsPanel(change: Partial<ModelsState>): void {
  const state: ModelsState = { models: [], download: null, importing: null, importBy: 'dialog', location: '/models', ...change };
  render(<ModelsPanel api={api} state={state} engine={noModel} onClose={() => undefined} />);
}

function failedDownload(error: StoreErrorInfo): DownloadState {
  return {
    variantId: 'gpt2-onnx-int8',
    name: 'GPT-2 (124M) · int8',
    stage: 'failed',
    bytes: 52_400_000,
    total: 131_000_000,
    bytesPerSecond: 0,
    etaSeconds: null,
    error,
    filesChanged: false,
  };
}

describe('a download that stopped', () => {
  it('English: the reason and what to do, then the store’s own sentence as the detail', () => {
    modelsPanel({ download: failedDownload(HUB_DOWN) });
    expect(screen.getByTestId('download-error').textContent).toBe(
      'The hub could not be reached. Check the connection, then try again; the download goes on where it stopped. ' +
        '(Details: gpt2-onnx-int8: gave up after 5 retries (ECONNRESET). The download can be resumed.)',
    );
  });

  it('Chinese: the reason in Chinese, the headline and buttons too', async () => {
    await i18n.changeLanguage('zh-CN');
    modelsPanel({ download: failedDownload(HUB_DOWN) });
    expect(screen.getByTestId('download-error').textContent).toBe(
      '无法连接模型仓库。请检查网络后再试；下载会从中断的地方继续。（详情：gpt2-onnx-int8: gave up after 5 retries (ECONNRESET). The download can be resumed.）',
    );
    expect(screen.getByTestId('download-headline').textContent).toBe('下载已停止');
    expect(screen.getByTestId('resume-download').textContent).toBe('重试');
    cleanup();
    modelsPanel({ download: failedDownload(NO_DISK) });
    expect(screen.getByTestId('download-error').textContent).toBe(
      '磁盘可用空间不足。请腾出一些空间后再试。（详情：ENOSPC: no space left on device, write）',
    );
  });
});

describe('an import that was refused', () => {
  const importing = { from: '/import/broken', stage: 'failed' as const, bytes: 10, total: 10, error: NOT_A_MODEL };

  it('English: not a model Kaituhi can use, with the store’s reason', () => {
    modelsPanel({ importing });
    expect(screen.getByTestId('import-error').textContent).toBe(
      'This is not a model Kaituhi can use, so it was not installed. ' +
        '(Details: /import/broken cannot be imported: no tokenizer (vocab.json and merges.txt, or tokenizer.json).)',
    );
  });

  it('Chinese: the same, in Chinese', async () => {
    await i18n.changeLanguage('zh-CN');
    modelsPanel({ importing });
    expect(screen.getByTestId('import-error').textContent).toBe(
      '这不是 Kaituhi 能使用的模型，所以没有安装。（详情：/import/broken cannot be imported: no tokenizer (vocab.json and merges.txt, or tokenizer.json).）',
    );
  });
});
