import { useCallback, useEffect, useState } from 'react';
import type { EngineState, ImportSource, KaituhiApi, ModelOffer, ModelsState } from '../../../electron/shared/api.js';
import { DownloadProgress } from './DownloadProgress.js';
import { ImportSection } from './ImportSection.js';
import { InstalledModels } from './InstalledModels.js';
import { ModelPicker } from './ModelPicker.js';
import { SidePanel } from '../SidePanel.js';

export type ModelsPanelApi = Pick<
  KaituhiApi,
  | 'getModelOffer'
  | 'downloadModel'
  | 'pauseDownload'
  | 'cancelDownload'
  | 'setActiveModel'
  | 'deleteModel'
  | 'listImportFolders'
  | 'importModel'
>;

export interface ModelsPanelProps {
  api: ModelsPanelApi;
  state: ModelsState;
  engine: EngineState;
  onClose(): void;
}

/** The model store: the first-run picker, the download in progress, the installed models and imports. */
export function ModelsPanel({ api, state, engine, onClose }: ModelsPanelProps) {
  const [offer, setOffer] = useState<ModelOffer | null>(null);
  const [offerError, setOfferError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const firstRun = state.models.length === 0;

  useEffect(() => {
    if (!firstRun) return;
    let current = true;
    api.getModelOffer().then(
      (next) => current && setOffer(next),
      (caught: unknown) => current && setOfferError(messageOf(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, firstRun]);

  // Every action reports its failure in the panel; progress and results arrive as pushed state.
  const act = useCallback((action: () => Promise<void>) => {
    setError(null);
    action().catch((caught: unknown) => setError(messageOf(caught)));
  }, []);

  const download = state.download;
  const downloading = download !== null && download.stage !== 'done';
  return (
    <SidePanel title="Models" className="models" testId="models-panel" closeLabel="Close models" onClose={onClose}>
      {error && (
        <p className="notice notice-error" data-testid="models-error">
          {error}
        </p>
      )}
      {download && (
        <DownloadProgress
          download={download}
          engine={engine}
          onPause={() => act(() => api.pauseDownload())}
          onResume={() => act(() => api.downloadModel(download.variantId))}
          onAcceptChangedFiles={() => act(() => api.downloadModel(download.variantId, { acceptChangedFiles: true }))}
          onCancel={() => act(() => api.cancelDownload())}
        />
      )}
      {firstRun && !downloading && (
        <ModelPicker
          offer={offer}
          error={offerError}
          busy={downloading}
          onDownload={(variantId) => act(() => api.downloadModel(variantId))}
        />
      )}
      {!firstRun && (
        <InstalledModels
          models={state.models}
          onUse={(id) => act(() => api.setActiveModel(id))}
          onDelete={(id) => act(() => api.deleteModel(id))}
        />
      )}
      <ImportSection
        importBy={state.importBy}
        importing={state.importing}
        listFolders={api.listImportFolders}
        onImport={(from: ImportSource) => act(() => api.importModel(from))}
      />
      <p className="panel-hint store-location">Models are kept in {state.location}</p>
    </SidePanel>
  );
}

function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}
