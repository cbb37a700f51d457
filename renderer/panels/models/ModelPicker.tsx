import type { ModelChoice, ModelOffer } from '../../../electron/shared/api.js';
import { formatBytes } from '../../state/model-format.js';

export interface ModelPickerProps {
  offer: ModelOffer | null;
  /** Set while the offer is being worked out, or when it could not be. */
  error: string | null;
  busy: boolean;
  onDownload(variantId: string): void;
}

const size = (choice: ModelChoice): string => `${choice.downloadBytesExact ? '' : 'about '}${formatBytes(choice.downloadBytes)}`;

/** First run: one model recommended for this machine, a few others that fit, each with its download size. */
export function ModelPicker({ offer, error, busy, onDownload }: ModelPickerProps) {
  if (error) return <p className="notice notice-error">{error}</p>;
  if (!offer) return <p className="panel-hint">Looking at this machine…</p>;
  const { recommended, machine } = offer;
  return (
    <section className="models-section picker" data-testid="model-picker">
      <h3>Get a model</h3>
      <p className="panel-hint">Suggestions need a GPT-2 model on this computer. It downloads once; you can keep writing meanwhile.</p>
      {recommended ? (
        <div className="choice choice-recommended" data-testid="recommended-model">
          <div className="choice-title">
            <strong>{recommended.name}</strong>
            <span className="badge">Recommended</span>
          </div>
          <p className="choice-reason">{offer.reason}</p>
          <button
            type="button"
            className="primary-button"
            disabled={busy}
            onClick={() => onDownload(recommended.variantId)}
            data-testid="download-recommended"
          >
            Download ({size(recommended)})
          </button>
        </div>
      ) : (
        <p className="notice notice-warning">{offer.reason}</p>
      )}
      {offer.alternatives.length > 0 && (
        <details className="alternatives">
          <summary>Other models that fit</summary>
          <ul>
            {offer.alternatives.map((choice) => (
              <li key={choice.variantId}>
                <span>
                  {choice.name} · {size(choice)}
                </span>
                <button type="button" className="text-button" disabled={busy} onClick={() => onDownload(choice.variantId)}>
                  Download
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
      <p className="machine" data-testid="machine-summary">
        This machine: {formatBytes(machine.totalMemoryBytes)} memory · {formatBytes(machine.freeDiskBytes)} free disk ·{' '}
        {machine.hasGpu ? 'GPU in use by the engine' : 'no GPU in use'}
      </p>
    </section>
  );
}
