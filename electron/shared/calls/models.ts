/** The Models panel's calls: the store, the first-run offer, downloads and imports. Models are named by id, never by path. */
import { z } from 'zod';
import type { ModelOffer, ModelsState } from '../state.js';
import { call } from './define.js';
import { UI_LANGUAGES } from '../../common/settings.js';

/** A store id or catalog variant id: a plain name, never a path. */
const modelId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/);
/** One folder name under the server's import root: no separators, no `..`, nothing hidden. */
const importFolder = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!\.)[^/\\\0]+$/);

export const importSourceSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('dialog') }).strict(),
  z.object({ by: z.literal('import-root'), folder: importFolder }).strict(),
]);
/** Electron's folder dialog, or (server mode) a folder under `kaituhi serve --import-root DIR`. */
export type ImportSource = z.infer<typeof importSourceSchema>;

export const modelsCalls = {
  getModels: call({}).returns<ModelsState>(),
  /** The first-run pick, worded and chosen for the interface's language (a Chinese interface gets a Chinese model). */
  getModelOffer: call({ language: z.enum(UI_LANGUAGES) }).returns<ModelOffer>(),
  /** Starts or resumes the download of a catalog variant; progress arrives as 'models' pushes. */
  downloadModel: call({
    variantId: modelId,
    /** The writer confirmed files that differ from this machine's first download (DownloadState.filesChanged). */
    acceptChangedFiles: z.literal(true).optional(),
  }).returns<null>(),
  pauseDownload: call({}).returns<null>(),
  cancelDownload: call({}).returns<null>(),
  setActiveModel: call({ id: modelId }).returns<null>(),
  deleteModel: call({ id: modelId }).returns<null>(),
  /** Server mode: the folders under the configured import root. */
  listImportFolders: call({}).returns<readonly string[]>(),
  importModel: call({ from: importSourceSchema }).returns<null>(),
};
