import type { DownloadState, EngineState } from '../../../electron/shared/api.js';
import { formatBytes, formatEta, formatSpeed, percent } from '../../state/model-format.js';

export interface DownloadProgressProps {
  download: DownloadState;
  engine: EngineState;
  onPause(): void;
  onResume(): void;
  /** Takes files that differ from this machine's first download (only offered when that is why it stopped). */
  onAcceptChangedFiles(): void;
  onCancel(): void;
}

const STAGE_WORDS: Record<DownloadState['stage'], string> = {
  resolving: 'Asking the hub about the files…',
  downloading: 'Downloading',
  verifying: 'Checking the SHA-256 of every file…',
  installing: 'Installing…',
  paused: 'Paused',
  failed: 'The download stopped',
  done: 'Downloaded',
};

/** One download: a bar, bytes, speed and time left, and the buttons that stop or continue it. */
export function DownloadProgress({ download, engine, onPause, onResume, onAcceptChangedFiles, onCancel }: DownloadProgressProps) {
  const done = download.stage === 'done';
  const running = !done && download.stage !== 'paused' && download.stage !== 'failed';
  const share = percent(download.bytes, download.total);
  const ready = done && engine.status === 'ready';
  const headline = done
    ? ready
      ? 'Model ready'
      : engine.status === 'failed'
        ? 'Downloaded, but it did not load'
        : 'Downloaded · loading the model…'
    : STAGE_WORDS[download.stage];
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
        <span>
          {formatBytes(download.bytes)} of {formatBytes(download.total)} ({share}%)
        </span>
        {running && download.stage === 'downloading' && (
          <span>
            {formatSpeed(download.bytesPerSecond)} · {formatEta(download.etaSeconds)}
          </span>
        )}
      </div>
      {download.error && <p className="notice notice-error">{download.error}</p>}
      {!done && (
        <div className="row-actions">
          {running ? (
            <button type="button" className="text-button" onClick={onPause} data-testid="pause-download">
              Pause
            </button>
          ) : download.filesChanged ? (
            <button type="button" className="text-button" onClick={onAcceptChangedFiles} data-testid="accept-changed-files">
              Download the changed files anyway
            </button>
          ) : (
            <button type="button" className="text-button" onClick={onResume} data-testid="resume-download">
              {download.stage === 'failed' ? 'Try again' : 'Resume'}
            </button>
          )}
          <button type="button" className="text-button" onClick={onCancel} data-testid="cancel-download">
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
