import type { ApiCall, ApiResults, ModelsApiCall } from '../shared/api.js';
import type { ModelChoices } from './model-choices.js';

const MODELS_METHODS: ReadonlySet<string> = new Set<ModelsApiCall['method']>([
  'getModels',
  'getModelOffer',
  'downloadModel',
  'pauseDownload',
  'cancelDownload',
  'setActiveModel',
  'deleteModel',
  'listImportFolders',
  'importModel',
]);

export function isModelsCall(call: ApiCall): call is ModelsApiCall {
  return MODELS_METHODS.has(call.method);
}

/** The Models panel's calls, already validated (validators.ts); each answers with its ApiResults type. */
export async function dispatchModelsCall(models: ModelChoices, call: ModelsApiCall): Promise<ApiResults[ModelsApiCall['method']]> {
  switch (call.method) {
    case 'getModels':
      return models.getState();
    case 'getModelOffer':
      return models.offer();
    case 'downloadModel':
      await models.download(call.variantId, { acceptChangedFiles: call.acceptChangedFiles === true });
      return null;
    case 'pauseDownload':
      await models.pauseDownload();
      return null;
    case 'cancelDownload':
      await models.cancelDownload();
      return null;
    case 'setActiveModel':
      await models.setActive(call.id);
      return null;
    case 'deleteModel':
      await models.delete(call.id);
      return null;
    case 'listImportFolders':
      return models.listImportFolders();
    case 'importModel':
      await models.importModel(call.from);
      return null;
  }
}
