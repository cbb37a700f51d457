/** The model store's public surface (ARCHITECTURE.md, "Rooms and their doors"). Plain Node: never imports electron. */
export { ModelStore } from './model-store.js';
export type { DownloadHandle, ImportOptions, InstalledModel, ModelSource, ModelStoreOptions, PendingDownload } from './model-store.js';
export type { DownloadEvent } from './download-job.js';
export type { DownloadPhase, DownloadProgress } from './progress.js';
export { StoreError, toErrorInfo } from './errors.js';
export type { StoreErrorCode, StoreErrorInfo } from './errors.js';
export { BUNDLED_CATALOG_PATH, CatalogError, findVariant, loadCatalog, parseCatalog, variantDownloadSize } from './catalog.js';
export type { Catalog, CatalogFile, CatalogModel, CatalogVariant } from './catalog.js';
export { recommendModel } from './recommend.js';
export type { MachineProfile, Recommendation, RecommendationReason, WriterLanguage } from './recommend.js';
export { validateModelFolder } from './validate-folder.js';
export type { DeepModelCheck, FolderValidation } from './validate-folder.js';
export { hubEndpoint, resolveUrl } from './hub.js';
export type { Benchmark } from './store-state.js';
export type { ModelFormat } from './formats.js';
