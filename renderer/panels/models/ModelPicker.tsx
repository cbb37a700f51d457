import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ModelChoice, ModelOffer, RecommendationReason } from '../../../electron/shared/api.js';
import { formatBytes } from '../../state/model-format.js';

export interface ModelPickerProps {
  offer: ModelOffer | null;
  /** Set while the offer is being worked out, or when it could not be. */
  error: string | null;
  busy: boolean;
  onDownload(variantId: string): void;
}

function size(choice: ModelChoice, t: TFunction): string {
  const bytes = formatBytes(choice.downloadBytes);
  return choice.downloadBytesExact ? bytes : t('models.picker.about', { size: bytes });
}

function reasonText(reason: RecommendationReason | null, name: string, t: TFunction): string {
  if (reason === null) return t('models.picker.reasons.nothing-fits');
  return reason.kind === 'gpu'
    ? t('models.picker.reasons.gpu', { gpuGiB: reason.gpuGiB, name })
    : t(`models.picker.reasons.${reason.kind}`, { name });
}

/** First run: one model recommended for this machine (and this writer's language), a few others that fit. */
export function ModelPicker({ offer, error, busy, onDownload }: ModelPickerProps) {
  const { t } = useTranslation();
  if (error) return <p className="notice notice-error">{error}</p>;
  if (!offer) return <p className="panel-hint">{t('models.picker.looking')}</p>;
  const { recommended, machine } = offer;
  return (
    <section className="models-section picker" data-testid="model-picker">
      <h3>{t('models.picker.title')}</h3>
      <p className="panel-hint">{t('models.picker.hint')}</p>
      {recommended ? (
        <div className="choice choice-recommended" data-testid="recommended-model" data-variant-id={recommended.variantId}>
          <div className="choice-title">
            <strong>{recommended.name}</strong>
            <span className="badge">{t('models.picker.recommended')}</span>
          </div>
          {recommended.goodFor && (
            <p className="choice-use" data-testid="recommended-use">
              {t(`models.goodFor.${recommended.goodFor}`)}
            </p>
          )}
          <p className="choice-reason">{reasonText(offer.reason, recommended.name, t)}</p>
          <button
            type="button"
            className="primary-button"
            disabled={busy}
            onClick={() => onDownload(recommended.variantId)}
            data-testid="download-recommended"
          >
            {t('models.picker.download', { size: size(recommended, t) })}
          </button>
        </div>
      ) : (
        <p className="notice notice-warning">{reasonText(offer.reason, '', t)}</p>
      )}
      {offer.alternatives.length > 0 && (
        <details className="alternatives">
          <summary>{t('models.picker.others')}</summary>
          <ul>
            {offer.alternatives.map((choice) => (
              <li key={choice.variantId} data-testid="alternative-model" data-variant-id={choice.variantId}>
                <span>
                  {choice.name} · {size(choice, t)}
                  {choice.goodFor && <span className="choice-use">{t(`models.goodFor.${choice.goodFor}`)}</span>}
                </span>
                <button type="button" className="text-button" disabled={busy} onClick={() => onDownload(choice.variantId)}>
                  {t('models.picker.downloadShort')}
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
      <p className="machine" data-testid="machine-summary">
        {t('models.picker.machine', {
          memory: formatBytes(machine.totalMemoryBytes),
          disk: formatBytes(machine.freeDiskBytes),
          gpu: machine.hasGpu ? t('models.picker.gpu') : t('models.picker.noGpu'),
        })}
      </p>
    </section>
  );
}
