import { useTranslation } from 'react-i18next';
import type { DownloadState, EngineState } from '../../../electron/shared/api.js';
import { formatBytes, formatEta, formatSpeed, percent, storeFailureText } from '../../state/model-format.js';

export interface DownloadProgressProps {
  download: DownloadState;
  engine: EngineState;
  onPause(): void;
  onResume(): void;
  /** Takes files that differ from this machine's first download (only offered when that is why it stopped). */
  onAcceptChangedFiles(): void;
  onCancel(): void;
}

/** One download: a bar, bytes, speed and time left, and the buttons that stop or continue it. */
export function DownloadProgress({ download, engine, onPause, onResume, onAcceptChangedFiles, onCancel }: DownloadProgressProps) {
  const { t } = useTranslation();
  const done = download.stage === 'done';
  const running = !done && download.stage !== 'paused' && download.stage !== 'failed';
  const share = percent(download.bytes, download.total);
  const ready = done && engine.status === 'ready';
  const headline = done
    ? ready
      ? t('models.download.ready')
      : engine.status === 'failed'
        ? t('models.download.notLoaded')
        : t('models.download.loading')
    : t(`models.download.stages.${download.stage}`);
  return (
    <section className="models-section download" data-testid="download" data-stage={download.stage} aria-live="polite">
      <div className="download-title">
        <strong>{download.name}</strong>
        <span className={ready ? 'badge badge-ready' : 'download-stage'} data-testid="download-headline">
          {headline}
        </span>
      </div>
      <progress max={100} value={share} aria-label={`${download.name}: ${share}%`} data-testid="download-bar" />
      <div className="download-figures" data-testid="download-figures">
        <span>{t('models.download.of', { done: formatBytes(download.bytes), total: formatBytes(download.total), percent: share })}</span>
        {running && download.stage === 'downloading' && (
          <span>
            {formatSpeed(download.bytesPerSecond)} · {formatEta(download.etaSeconds)}
          </span>
        )}
      </div>
      {download.error && (
        <p className="notice notice-error" data-testid="download-error">
          {storeFailureText(download.error)}
        </p>
      )}
      {!done && (
        <div className="row-actions">
          {running ? (
            <button type="button" className="text-button" onClick={onPause} data-testid="pause-download">
              {t('models.download.pause')}
            </button>
          ) : download.filesChanged ? (
            <button type="button" className="text-button" onClick={onAcceptChangedFiles} data-testid="accept-changed-files">
              {t('models.download.acceptChangedFiles')}
            </button>
          ) : (
            <button type="button" className="text-button" onClick={onResume} data-testid="resume-download">
              {download.stage === 'failed' ? t('models.download.retry') : t('models.download.resume')}
            </button>
          )}
          <button type="button" className="text-button" onClick={onCancel} data-testid="cancel-download">
            {t('models.download.cancel')}
          </button>
        </div>
      )}
    </section>
  );
}
