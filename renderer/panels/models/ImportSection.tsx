import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { ImportSource, ImportState, ModelsState } from '../../../electron/shared/api.js';
import { formatBytes, percent, storeFailureText } from '../../state/model-format.js';

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
  const { t } = useTranslation();
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
      <h3>{t('models.import.title')}</h3>
      <p className="panel-hint">{t('models.import.hint')}</p>
      {importBy === 'dialog' && (
        <button
          type="button"
          className="text-button bordered"
          disabled={busy}
          onClick={() => onImport({ by: 'dialog' })}
          data-testid="import-dialog"
        >
          {t('models.import.choose')}
        </button>
      )}
      {importBy === 'import-root' && (
        <div className="import-row">
          <select
            aria-label={t('models.import.folderLabel')}
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
            {t('models.import.import')}
          </button>
        </div>
      )}
      {importBy === 'import-root' && folders?.length === 0 && <p className="panel-hint">{t('models.import.empty')}</p>}
      {importBy === 'none' && (
        <p className="panel-hint">
          <Trans i18nKey="models.import.serverHint" components={{ code: <code /> }} />
        </p>
      )}
      {importing && (
        <div className="import-progress" data-testid="import-progress" data-stage={importing.stage}>
          {importing.stage === 'failed' ? (
            importing.error && (
              <p className="notice notice-error" data-testid="import-error">
                {storeFailureText(importing.error)}
              </p>
            )
          ) : (
            <>
              {/* Checking has no byte count (the engine loads, and converts a checkpoint): an indeterminate bar. */}
              {importing.stage === 'copying' ? <progress max={100} value={percent(importing.bytes, importing.total)} /> : <progress />}
              <span className="panel-hint">
                {importing.stage === 'copying'
                  ? t('models.import.copying', { done: formatBytes(importing.bytes), total: formatBytes(importing.total) })
                  : t('models.import.checking')}
              </span>
            </>
          )}
        </div>
      )}
    </section>
  );
}
