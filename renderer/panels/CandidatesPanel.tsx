import { useTranslation } from 'react-i18next';
import type { ContinuationCard } from '../editor/continuation.js';
import { SidePanel } from './SidePanel.js';

export interface CandidatesPanelProps {
  cards: readonly ContinuationCard[];
  onInsert(index: number): void;
  onRegenerate(index: number): void;
  onClose(): void;
}

/** The side panel of "continue selection": one card per candidate, streaming as it is written. */
export function CandidatesPanel({ cards, onInsert, onRegenerate, onClose }: CandidatesPanelProps) {
  const { t } = useTranslation();
  return (
    <SidePanel title={t('candidates.title')} testId="candidates-panel" closeLabel={t('candidates.close')} onClose={onClose}>
      <p className="panel-hint">{t('candidates.hint')}</p>
      <ol className="cards">
        {cards.map((card) => (
          <li key={card.index} className={`card card-${card.status}`} data-testid="candidate-card" data-status={card.status}>
            <button
              type="button"
              className="card-body"
              disabled={card.text.length === 0}
              onClick={() => onInsert(card.index)}
              title={t('candidates.insertTitle')}
            >
              {card.text.length > 0
                ? card.text.trimStart()
                : card.status === 'streaming'
                  ? t('candidates.writing')
                  : t('candidates.nothing')}
              {card.status === 'streaming' && <span className="caret" aria-hidden="true" />}
            </button>
            <footer className="card-footer">
              <span className="card-state" title={card.error ?? undefined}>
                {card.status === 'failed' ? t('candidates.interrupted') : card.status === 'streaming' ? t('candidates.streaming') : ''}
              </span>
              <button type="button" className="text-button" onClick={() => onRegenerate(card.index)} data-testid="regenerate">
                {t('candidates.regenerate')}
              </button>
            </footer>
          </li>
        ))}
      </ol>
    </SidePanel>
  );
}
