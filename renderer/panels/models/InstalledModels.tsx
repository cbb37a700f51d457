import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EngineInfo, InstalledModelSummary } from '../../../electron/shared/api.js';
import { deviceLabel, formatBytes } from '../../state/model-format.js';
import { formatNumber } from '../../i18n/index.js';

export interface InstalledModelsProps {
  models: readonly InstalledModelSummary[];
  /** The engine's report on the model in use, once it has loaded; null otherwise. */
  engineInfo: EngineInfo | null;
  onUse(id: string): void;
  onDelete(id: string): void;
}

/** The installed models with what a writer compares them by: size, precision, and speed on this machine. */
export function InstalledModels({ models, engineInfo, onUse, onDelete }: InstalledModelsProps) {
  const { t } = useTranslation();
  // Deleting takes a second click: a model can be gigabytes to download again.
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <section className="models-section">
      <h3>{t('models.installed.title')}</h3>
      <ul className="model-list" data-testid="installed-models">
        {models.map((model) => (
          <li
            key={model.id}
            className={`model-row ${model.active ? 'model-active' : ''}`}
            data-testid="installed-model"
            data-model-id={model.id}
            data-active={model.active}
          >
            <div className="model-name">
              <strong>{model.name}</strong>
              {model.active && <span className="badge badge-ready">{t('models.installed.inUse')}</span>}
            </div>
            <div className="model-facts">
              <span>{formatBytes(model.sizeBytes)}</span>
              <span>{model.precisions.join(', ')}</span>
              <span data-testid="model-speed">
                {model.benchmark
                  ? t('models.installed.speed', {
                      device: deviceLabel(model.benchmark.device),
                      speed: formatNumber(model.benchmark.tokensPerSecond, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
                    })
                  : t('models.installed.notMeasured')}
              </span>
              <span>{model.source === 'import' ? t('models.installed.imported') : t('models.installed.downloaded')}</span>
              {model.active && engineInfo && <GraphFact info={engineInfo} />}
            </div>
            <div className="row-actions">
              {!model.active && (
                <button type="button" className="text-button" onClick={() => onUse(model.id)} data-testid="use-model">
                  {t('models.installed.use')}
                </button>
              )}
              {confirming === model.id ? (
                <>
                  <button type="button" className="text-button danger" onClick={() => onDelete(model.id)} data-testid="confirm-delete">
                    {t('models.installed.confirmDelete', { size: formatBytes(model.sizeBytes) })}
                  </button>
                  <button type="button" className="text-button" onClick={() => setConfirming(null)}>
                    {t('models.installed.keep')}
                  </button>
                </>
              ) : (
                <button type="button" className="text-button" onClick={() => setConfirming(model.id)} data-testid="delete-model">
                  {t('models.installed.delete')}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Whether the model in use runs on Kaituhi's fast graph, and if not, why (an export whose weights could not be mapped). */
function GraphFact({ info }: { info: EngineInfo }) {
  const { t } = useTranslation();
  return info.graph === 'kaituhi' ? (
    <span data-testid="model-graph" title={t('models.installed.fastGraphTitle')}>
      {t('models.installed.fastGraph')}
    </span>
  ) : (
    <span data-testid="model-graph" className="fallback" title={info.graphFallbackReason ?? undefined}>
      {t('models.installed.asExported', { reason: info.graphFallbackReason ?? '' })}
    </span>
  );
}
