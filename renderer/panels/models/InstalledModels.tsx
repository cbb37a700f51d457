import { useState } from 'react';
import type { EngineInfo, InstalledModelSummary } from '../../../electron/shared/api.js';
import { deviceLabel, formatBytes } from '../../state/model-format.js';

export interface InstalledModelsProps {
  models: readonly InstalledModelSummary[];
  /** The engine's report on the model in use, once it has loaded; null otherwise. */
  engineInfo: EngineInfo | null;
  onUse(id: string): void;
  onDelete(id: string): void;
}

/** The installed models with what a writer compares them by: size, precision, and speed on this machine. */
export function InstalledModels({ models, engineInfo, onUse, onDelete }: InstalledModelsProps) {
  // Deleting takes a second click: a model can be gigabytes to download again.
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <section className="models-section">
      <h3>Installed</h3>
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
              {model.active && <span className="badge badge-ready">In use</span>}
            </div>
            <div className="model-facts">
              <span>{formatBytes(model.sizeBytes)}</span>
              <span>{model.precisions.join(', ')}</span>
              <span data-testid="model-speed">
                {model.benchmark
                  ? `${deviceLabel(model.benchmark.device)} · ${model.benchmark.tokensPerSecond.toFixed(1)} tok/s`
                  : 'speed not measured yet'}
              </span>
              <span>{model.source === 'import' ? 'imported' : 'downloaded'}</span>
              {model.active && engineInfo && <GraphFact info={engineInfo} />}
            </div>
            <div className="row-actions">
              {!model.active && (
                <button type="button" className="text-button" onClick={() => onUse(model.id)} data-testid="use-model">
                  Use
                </button>
              )}
              {confirming === model.id ? (
                <>
                  <button type="button" className="text-button danger" onClick={() => onDelete(model.id)} data-testid="confirm-delete">
                    Delete {formatBytes(model.sizeBytes)}
                  </button>
                  <button type="button" className="text-button" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" className="text-button" onClick={() => setConfirming(model.id)} data-testid="delete-model">
                  Delete…
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
  return info.graph === 'kaituhi' ? (
    <span data-testid="model-graph" title="Kaituhi's own graph, built from this model's weights">
      fast graph
    </span>
  ) : (
    <span data-testid="model-graph" className="fallback" title={info.graphFallbackReason ?? undefined}>
      as exported, slower: {info.graphFallbackReason}
    </span>
  );
}
