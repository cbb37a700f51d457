import { useEffect, useState } from 'react';
import type { ImportSource, ImportState, ModelsState } from '../../../electron/shared/api.js';
import { formatBytes, percent } from '../../state/model-format.js';

export interface ImportSectionProps {
  importBy: ModelsState['importBy'];
  importing: ImportState | null;
  listFolders(): Promise<readonly string[]>;
  onImport(from: ImportSource): void;
}

/**
 * Electron: main's folder dialog. Server mode: a folder under `--import-root`, picked from a list the server made;
 * a path typed into a browser is never accepted (anyone with the page's token could read the whole disk).
 */
export function ImportSection({ importBy, importing, listFolders, onImport }: ImportSectionProps) {
  const [folders, setFolders] = useState<readonly string[] | null>(null);
  const [folder, setFolder] = useState('');
  const busy = importing !== null && importing.stage !== 'failed';

  useEffect(() => {
    if (importBy !== 'import-root') return;
    let current = true;
    void listFolders()
      .then((names) => {
        if (!current) return;
        setFolders(names);
        setFolder((chosen) => chosen || (names[0] ?? ''));
      })
      .catch(() => current && setFolders([]));
    return () => {
      current = false;
    };
  }, [importBy, listFolders]);

  return (
    <section className="models-section" data-testid="import-section">
      <h3>Import a folder</h3>
      <p className="panel-hint">
        A GPT-2 ONNX export, or a Hugging Face checkpoint (model.safetensors) that Kaituhi converts. The folder is copied into the store.
      </p>
      {importBy === 'dialog' && (
        <button
          type="button"
          className="text-button bordered"
          disabled={busy}
          onClick={() => onImport({ by: 'dialog' })}
          data-testid="import-dialog"
        >
          Choose a folder…
        </button>
      )}
      {importBy === 'import-root' && (
        <div className="import-row">
          <select
            aria-label="Folder to import"
            value={folder}
            onChange={(event) => setFolder(event.target.value)}
            disabled={busy || !folders?.length}
          >
            {(folders ?? []).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="text-button bordered"
            disabled={busy || folder === ''}
            onClick={() => onImport({ by: 'import-root', folder })}
            data-testid="import-folder"
          >
            Import
          </button>
        </div>
      )}
      {importBy === 'import-root' && folders?.length === 0 && <p className="panel-hint">The import folder has no model folders in it.</p>}
      {importBy === 'none' && (
        <p className="panel-hint">
          In server mode, start <code>kaituhi serve --import-root DIR</code> to import the model folders inside DIR.
        </p>
      )}
      {importing && (
        <div className="import-progress" data-testid="import-progress" data-stage={importing.stage}>
          {importing.stage === 'failed' ? (
            <p className="notice notice-error">{importing.error}</p>
          ) : (
            <>
              {/* Checking has no byte count (the engine loads, and converts a checkpoint): an indeterminate bar. */}
              {importing.stage === 'copying' ? <progress max={100} value={percent(importing.bytes, importing.total)} /> : <progress />}
              <span className="panel-hint">
                {importing.stage === 'copying'
                  ? `Copying ${formatBytes(importing.bytes)} of ${formatBytes(importing.total)}`
                  : 'Checking the model (a checkpoint is converted; this can take a minute)…'}
              </span>
            </>
          )}
        </div>
      )}
    </section>
  );
}
