import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EngineState, ImportSource, ModelOffer, ModelsApi, ModelsState } from '../../../electron/shared/api.js';
import { DownloadProgress } from './DownloadProgress.js';
import { ImportSection } from './ImportSection.js';
import { InstalledModels } from './InstalledModels.js';
import { ModelPicker } from './ModelPicker.js';
import { SidePanel } from '../SidePanel.js';
import { errorMessage } from '../../../electron/common/error-message.js';

/** Only what the panel calls, so a test can hand it a small fake. */
export type ModelsPanelApi = Omit<ModelsApi, 'getModels'>;

export interface ModelsPanelProps {
  api: ModelsPanelApi;
  state: ModelsState;
  engine: EngineState;
  onClose(): void;
}

/** The model store: the first-run picker, the download in progress, the installed models and imports. */
export function ModelsPanel({ api, state, engine, onClose }: ModelsPanelProps) {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const [offer, setOffer] = useState<ModelOffer | null>(null);
  const [offerError, setOfferError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const firstRun = state.models.length === 0;

  useEffect(() => {
    if (!firstRun) return;
    let current = true;
    api.getModelOffer({ language }).then(
      (next) => current && setOffer(next),
      (caught: unknown) => current && setOfferError(errorMessage(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, firstRun, language]);

  // Every action reports its failure in the panel; progress and results arrive as pushed state.
  const act = useCallback((action: () => Promise<unknown>) => {
    setError(null);
    action().catch((caught: unknown) => setError(errorMessage(caught)));
  }, []);

  const download = state.download;
  const downloading = download !== null && download.stage !== 'done';
  return (
    <SidePanel title={t('models.title')} className="models" testId="models-panel" closeLabel={t('models.close')} onClose={onClose}>
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
          onResume={() => act(() => api.downloadModel({ variantId: download.variantId }))}
          onAcceptChangedFiles={() => act(() => api.downloadModel({ variantId: download.variantId, acceptChangedFiles: true }))}
          onCancel={() => act(() => api.cancelDownload())}
        />
      )}
      {firstRun && !downloading && (
        <ModelPicker
          offer={offer}
          error={offerError}
          busy={downloading}
          onDownload={(variantId) => act(() => api.downloadModel({ variantId }))}
        />
      )}
      {!firstRun && (
        <InstalledModels
          models={state.models}
          engineInfo={engine.status === 'ready' ? engine.info : null}
          onUse={(id) => act(() => api.setActiveModel({ id }))}
          onDelete={(id) => act(() => api.deleteModel({ id }))}
        />
      )}
      <ImportSection
        importBy={state.importBy}
        importing={state.importing}
        listFolders={api.listImportFolders}
        onImport={(from: ImportSource) => act(() => api.importModel({ from }))}
      />
      <p className="panel-hint store-location">{t('models.keptIn', { location: state.location })}</p>
    </SidePanel>
  );
}
