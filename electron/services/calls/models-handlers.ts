import type { modelsCalls } from '../../shared/calls/models.js';
import type { Handlers } from '../../shared/calls/define.js';
import type { ModelChoices } from '../model-choices.js';

/** What each Models panel call does (the arguments arrive parsed by the table's schemas). */
export const modelsHandlers: Handlers<typeof modelsCalls, ModelChoices> = {
  getModels: (models) => models.getState(),
  getModelOffer: (models, { language }) => models.offer(language),
  downloadModel: async (models, { variantId, acceptChangedFiles }) => {
    await models.download(variantId, { acceptChangedFiles: acceptChangedFiles === true });
    return null;
  },
  pauseDownload: async (models) => {
    await models.pauseDownload();
    return null;
  },
  cancelDownload: async (models) => {
    await models.cancelDownload();
    return null;
  },
  setActiveModel: async (models, { id }) => {
    await models.setActive(id);
    return null;
  },
  deleteModel: async (models, { id }) => {
    await models.delete(id);
    return null;
  },
  listImportFolders: (models) => models.listImportFolders(),
  importModel: async (models, { from }) => {
    await models.importModel(from);
    return null;
  },
};
