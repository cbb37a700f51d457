/**
 * Where things live under the store's root. Only `models/<id>/` with a valid manifest is an installed model;
 * everything being downloaded or imported sits in `.partial/` until one rename moves it into `models/`.
 *
 *   <root>/store.json                   active model, measured speeds
 *   <root>/models/<id>/kaituhi-model.json + the model's files
 *   <root>/.partial/<id>/state.json     what each file should be (resume after a restart)
 *   <root>/.partial/<id>/files/...      the files as they arrive
 *   <root>/.trash/                      deleted models on their way out
 */
import path from 'node:path';

export interface StoreLayout {
  readonly root: string;
  readonly models: string;
  readonly partial: string;
  readonly trash: string;
  readonly stateFile: string;
}

export const MANIFEST_FILE = 'kaituhi-model.json';

export function storeLayout(root: string): StoreLayout {
  const abs = path.resolve(root);
  return {
    root: abs,
    models: path.join(abs, 'models'),
    partial: path.join(abs, '.partial'),
    trash: path.join(abs, '.trash'),
    stateFile: path.join(abs, 'store.json'),
  };
}

export function installedDir(layout: StoreLayout, id: string): string {
  return path.join(layout.models, id);
}

export function partialDir(layout: StoreLayout, id: string): string {
  return path.join(layout.partial, id);
}

/** Joins a catalog path (already checked to be relative and free of `..`) under a folder. */
export function fileIn(dir: string, relPath: string): string {
  return path.join(dir, ...relPath.split('/'));
}
