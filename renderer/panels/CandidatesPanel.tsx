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
  return (
    <SidePanel title="Continuations" testId="candidates-panel" closeLabel="Close continuations" onClose={onClose}>
      <p className="panel-hint">Click a card to insert it after your selection. Ctrl+Z takes it back.</p>
      <ol className="cards">
        {cards.map((card) => (
          <li key={card.index} className={`card card-${card.status}`} data-testid="candidate-card" data-status={card.status}>
            <button
              type="button"
              className="card-body"
              disabled={card.text.length === 0}
              onClick={() => onInsert(card.index)}
              title="Insert after the selection"
            >
              {card.text.length > 0 ? card.text.trimStart() : card.status === 'streaming' ? 'Writing…' : '(nothing)'}
              {card.status === 'streaming' && <span className="caret" aria-hidden="true" />}
            </button>
            <footer className="card-footer">
              <span className="card-state" title={card.error ?? undefined}>
                {card.status === 'failed' ? 'Interrupted; Regenerate to try again' : card.status === 'streaming' ? 'writing' : ''}
              </span>
              <button type="button" className="text-button" onClick={() => onRegenerate(card.index)} data-testid="regenerate">
                Regenerate
              </button>
            </footer>
          </li>
        ))}
      </ol>
    </SidePanel>
  );
}
