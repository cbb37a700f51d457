import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelsPanel, type ModelsPanelApi } from '../../renderer/panels/models/ModelsPanel.js';
import { createApiClient } from '../../renderer/transport/api-client.js';
import type { MessageLink } from '../../renderer/transport/message-link.js';
import { formatEta, formatBytes, percent } from '../../renderer/state/model-format.js';
import type {
  ClientMessage,
  DownloadState,
  EngineInfo,
  EngineState,
  ModelOffer,
  ModelsState,
  ServerMessage,
} from '../../electron/shared/api.js';
import { parseClientMessage } from '../../electron/shared/validators.js';

afterEach(cleanup);

const noModel: EngineState = { status: 'no-model', modelDir: null, info: null, message: 'none', restarts: 0 };
const empty: ModelsState = {
  models: [],
  download: null,
  importing: null,
  importBy: 'import-root',
  location: '/home/w/.config/Kaituhi/models',
};
const offer: ModelOffer = {
  machine: { totalMemoryBytes: 16e9, freeDiskBytes: 200e9, hasGpu: false },
  recommended: {
    variantId: 'gpt2-onnx-int8',
    name: 'GPT-2 (124M) · int8',
    format: 'onnx',
    precision: 'int8',
    downloadBytes: 131_000_000,
    downloadBytesExact: false,
    goodFor: 'english-prose',
  },
  reason: { kind: 'no-gpu' },
  alternatives: [
    {
      variantId: 'distilgpt2-onnx-int8',
      name: 'DistilGPT2 (82M) · int8',
      format: 'onnx',
      precision: 'int8',
      downloadBytes: 83_000_000,
      downloadBytesExact: true,
      goodFor: 'english-prose',
    },
  ],
};
const downloading: DownloadState = {
  variantId: 'gpt2-onnx-int8',
  name: 'GPT-2 (124M) · int8',
  stage: 'downloading',
  bytes: 52_400_000,
  total: 131_000_000,
  bytesPerSecond: 2_400_000,
  etaSeconds: 33,
  error: null,
  filesChanged: false,
};

function fakeApi(overrides: Partial<ModelsPanelApi> = {}): ModelsPanelApi {
  return {
    getModelOffer: vi.fn(async () => offer),
    downloadModel: vi.fn(async () => null),
    pauseDownload: vi.fn(async () => null),
    cancelDownload: vi.fn(async () => null),
    setActiveModel: vi.fn(async () => null),
    deleteModel: vi.fn(async () => null),
    listImportFolders: vi.fn(async () => ['my-gpt2', 'gpt2-large']),
    importModel: vi.fn(async () => null),
    ...overrides,
  };
}

describe('models panel', () => {
  it('first run: recommends a model with its size and downloads it on click', async () => {
    const api = fakeApi();
    render(<ModelsPanel api={api} state={empty} engine={noModel} onClose={() => undefined} />);
    await screen.findByTestId('recommended-model');
    expect(screen.getByTestId('download-recommended').textContent).toBe('Download (about 131 MB)');
    expect(screen.getByText(/No GPU found/)).toBeTruthy();
    expect(screen.getByTestId('machine-summary').textContent).toContain('16 GB memory');
    fireEvent.click(screen.getByTestId('download-recommended'));
    expect(api.downloadModel).toHaveBeenCalledWith({ variantId: 'gpt2-onnx-int8' });
  });

  it('shows bytes, speed and time left, and pauses, resumes and cancels', () => {
    const api = fakeApi();
    const { rerender } = render(
      <ModelsPanel api={api} state={{ ...empty, download: downloading }} engine={noModel} onClose={() => undefined} />,
    );
    expect(screen.getByTestId('download-figures').textContent).toBe('52 MB of 131 MB (40%)2.4 MB/s · 33 s left');
    expect(screen.queryByTestId('model-picker')).toBeNull();
    fireEvent.click(screen.getByTestId('pause-download'));
    expect(api.pauseDownload).toHaveBeenCalled();
    rerender(
      <ModelsPanel
        api={api}
        state={{ ...empty, download: { ...downloading, stage: 'paused' } }}
        engine={noModel}
        onClose={() => undefined}
      />,
    );
    fireEvent.click(screen.getByTestId('resume-download'));
    expect(api.downloadModel).toHaveBeenCalledWith({ variantId: 'gpt2-onnx-int8' });
    fireEvent.click(screen.getByTestId('cancel-download'));
    expect(api.cancelDownload).toHaveBeenCalled();
  });

  it('asks before taking files that differ from the first download, and says so', () => {
    const api = fakeApi();
    const failed: DownloadState = {
      ...downloading,
      stage: 'failed',
      error: {
        code: 'files-changed',
        message: 'gpt2-onnx-int8: the server now gives other files for Xenova/gpt2 at commit bf2c… than this machine first downloaded',
        file: 'onnx/model_quantized.onnx',
      },
    };
    const { rerender } = render(
      <ModelsPanel api={api} state={{ ...empty, download: failed }} engine={noModel} onClose={() => undefined} />,
    );
    // An ordinary failure: try again, nothing to confirm.
    expect(screen.queryByTestId('accept-changed-files')).toBeNull();
    rerender(
      <ModelsPanel
        api={api}
        state={{ ...empty, download: { ...failed, filesChanged: true } }}
        engine={noModel}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByTestId('download').textContent).toContain('than this machine first downloaded');
    expect(screen.queryByTestId('resume-download')).toBeNull();
    fireEvent.click(screen.getByTestId('accept-changed-files'));
    expect(api.downloadModel).toHaveBeenCalledWith({ variantId: 'gpt2-onnx-int8', acceptChangedFiles: true });
  });

  it('says "Model ready" only once the engine has loaded the download', () => {
    const done = { ...downloading, stage: 'done' as const, bytes: downloading.total };
    const { rerender } = render(
      <ModelsPanel
        api={fakeApi()}
        state={{ ...empty, download: done }}
        engine={{ ...noModel, status: 'loading' }}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByTestId('download-headline').textContent).toBe('Downloaded · loading the model…');
    rerender(
      <ModelsPanel
        api={fakeApi()}
        state={{ ...empty, download: done }}
        engine={{ ...noModel, status: 'ready' }}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByTestId('download-headline').textContent).toBe('Model ready');
  });

  it('lists installed models with size, precision, device and speed; Use and a two-step Delete', () => {
    const api = fakeApi();
    const state: ModelsState = {
      ...empty,
      models: [
        {
          id: 'gpt2-onnx-int8',
          name: 'GPT-2 · int8',
          format: 'onnx',
          precisions: ['int8'],
          sizeBytes: 131e6,
          source: 'download',
          active: true,
          benchmark: { tokensPerSecond: 61.26, device: 'cpu' },
        },
        {
          id: 'mine-import',
          name: 'mine',
          format: 'checkpoint',
          precisions: ['fp32'],
          sizeBytes: 548e6,
          source: 'import',
          active: false,
          benchmark: null,
        },
      ],
    };
    render(<ModelsPanel api={api} state={state} engine={noModel} onClose={() => undefined} />);
    const rows = screen.getAllByTestId('installed-model');
    expect(rows[0]!.textContent).toContain('131 MB');
    expect(rows[0]!.textContent).toContain('CPU · 61.3 tok/s');
    expect(rows[1]!.textContent).toContain('speed not measured yet');
    fireEvent.click(screen.getByTestId('use-model'));
    expect(api.setActiveModel).toHaveBeenCalledWith({ id: 'mine-import' });
    fireEvent.click(screen.getAllByTestId('delete-model')[1]!);
    expect(api.deleteModel).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('confirm-delete'));
    expect(api.deleteModel).toHaveBeenCalledWith({ id: 'mine-import' });
  });

  it('says whether the model in use runs on the fast graph, and why not when it runs as exported', () => {
    const installed: ModelsState = {
      ...empty,
      models: [
        {
          id: 'gpt2-onnx-int8',
          name: 'GPT-2 · int8',
          format: 'onnx',
          precisions: ['int8'],
          sizeBytes: 131e6,
          source: 'download',
          active: true,
          benchmark: null,
        },
      ],
    };
    const info: EngineInfo = {
      modelDir: '/m/gpt2',
      modelName: 'gpt2',
      format: 'onnx',
      precision: 'int8',
      device: 'cpu',
      fallbackReason: null,
      graph: 'kaituhi',
      graphFallbackReason: null,
      contextWindow: 1024,
      vocabSize: 50257,
      layers: 12,
      loadMs: 300,
    };
    const ready = (i: EngineInfo): EngineState => ({ status: 'ready', modelDir: i.modelDir, info: i, message: null, restarts: 0 });
    const { rerender } = render(<ModelsPanel api={fakeApi()} state={installed} engine={ready(info)} onClose={() => undefined} />);
    expect(screen.getByTestId('model-graph').textContent).toBe('fast graph');
    const reason = "the graph uses onnxruntime's fused Attention operator, whose weights are not laid out as GPT-2's";
    rerender(
      <ModelsPanel
        api={fakeApi()}
        state={installed}
        engine={ready({ ...info, graph: 'as-exported', graphFallbackReason: reason })}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByTestId('model-graph').textContent).toBe(`as exported, slower: ${reason}`);
    expect(screen.getByTestId('model-graph').getAttribute('title')).toBe(reason);
    // Nothing is claimed while the engine has not loaded the model.
    rerender(<ModelsPanel api={fakeApi()} state={installed} engine={{ ...ready(info), status: 'loading' }} onClose={() => undefined} />);
    expect(screen.queryByTestId('model-graph')).toBeNull();
  });

  it('imports a folder from the server’s list, and shows the failure it gets back', async () => {
    const api = fakeApi({ importModel: vi.fn(async () => Promise.reject(new Error('broken cannot be imported: no tokenizer'))) });
    render(<ModelsPanel api={api} state={{ ...empty, models: [] }} engine={noModel} onClose={() => undefined} />);
    await waitFor(() => expect(screen.getByLabelText('Folder to import').querySelectorAll('option')).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Folder to import'), { target: { value: 'gpt2-large' } });
    fireEvent.click(screen.getByTestId('import-folder'));
    expect(api.importModel).toHaveBeenCalledWith({ from: { by: 'import-root', folder: 'gpt2-large' } });
    expect((await screen.findByTestId('models-error')).textContent).toContain('no tokenizer');
  });

  it('Electron: a dialog button, no typed paths; an import in progress shows a bar', () => {
    const api = fakeApi();
    render(
      <ModelsPanel
        api={api}
        state={{ ...empty, importBy: 'dialog', importing: { from: '/m', stage: 'copying', bytes: 5, total: 10, error: null } }}
        engine={noModel}
        onClose={() => undefined}
      />,
    );
    expect(screen.queryByLabelText('Folder to import')).toBeNull();
    expect(screen.getByTestId('import-progress').textContent).toContain('Copying 5 B of 10 B');
    expect((screen.getByTestId('import-dialog') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('models over the API client', () => {
  it('sends calls the validators accept, and delivers pushed state', async () => {
    const sent: ClientMessage[] = [];
    let deliver: (message: ServerMessage) => void = () => undefined;
    const link: MessageLink = {
      send: (message) => sent.push(message),
      onMessage: (listener) => ((deliver = listener), () => undefined),
      onStatus: () => () => undefined,
    };
    const api = createApiClient(link);
    const states: ModelsState[] = [];
    api.onModels((state) => states.push(state));
    void api.models.downloadModel({ variantId: 'gpt2-onnx-int8' });
    void api.models.importModel({ from: { by: 'import-root', folder: 'my-gpt2' } });
    void api.models.setActiveModel({ id: 'gpt2-onnx-int8' });
    void api.models.downloadModel({ variantId: 'gpt2-onnx-int8', acceptChangedFiles: true });
    for (const message of sent) expect(parseClientMessage(message).ok).toBe(true);
    expect(sent.map((m) => (m.type === 'call' ? m.call.method : m.type))).toEqual([
      'downloadModel',
      'importModel',
      'setActiveModel',
      'downloadModel',
    ]);
    expect(sent[3]).toMatchObject({ call: { method: 'downloadModel', variantId: 'gpt2-onnx-int8', acceptChangedFiles: true } });
    deliver({ type: 'models', state: empty });
    expect(states).toEqual([empty]);
  });
});

describe('model figures', () => {
  it('formats sizes, time left and shares', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
    expect(formatEta(null)).toBe('working out the time left');
    expect(formatEta(200)).toBe('about 3 min left');
    expect(formatEta(4000)).toBe('about 1 h 7 min left');
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBe(0);
  });
});
