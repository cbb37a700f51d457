import type { ApiResults, DownloadOptions, ImportSource, KaituhiApi, ModelsApiCall } from '../../electron/shared/api.js';

/** Sends one call and resolves with its result (the services validate and type it per method). */
export type ModelsCaller = (request: ModelsApiCall) => Promise<unknown>;

export type ModelsApi = Pick<
  KaituhiApi,
  | 'getModels'
  | 'getModelOffer'
  | 'downloadModel'
  | 'pauseDownload'
  | 'cancelDownload'
  | 'setActiveModel'
  | 'deleteModel'
  | 'listImportFolders'
  | 'importModel'
>;

/** The Models panel's calls, over the same link as the rest of the API. */
export function createModelsApi(call: ModelsCaller): ModelsApi {
  const done = async (request: ModelsApiCall): Promise<void> => {
    await call(request);
  };
  return {
    getModels: () => call({ method: 'getModels' }) as Promise<ApiResults['getModels']>,
    getModelOffer: () => call({ method: 'getModelOffer' }) as Promise<ApiResults['getModelOffer']>,
    downloadModel: (variantId: string, options?: DownloadOptions) =>
      done({ method: 'downloadModel', variantId, ...(options?.acceptChangedFiles ? { acceptChangedFiles: true as const } : {}) }),
    pauseDownload: () => done({ method: 'pauseDownload' }),
    cancelDownload: () => done({ method: 'cancelDownload' }),
    setActiveModel: (id: string) => done({ method: 'setActiveModel', id }),
    deleteModel: (id: string) => done({ method: 'deleteModel', id }),
    listImportFolders: () => call({ method: 'listImportFolders' }) as Promise<ApiResults['listImportFolders']>,
    importModel: (from: ImportSource) => done({ method: 'importModel', from }),
  };
}
