import type { ReactNode } from 'react';

interface SidePanelProps {
  /** Heading, and the panel's accessible name. */
  title: string;
  /** Extra class for the panel's own layout, beside `side-panel`. */
  className?: string;
  testId: string;
  /** Accessible name of the close button. */
  closeLabel: string;
  onClose: () => void;
  children: ReactNode;
}

/** The frame every side panel shares: a titled header with a close button, then the panel's content. */
export function SidePanel({ title, className, testId, closeLabel, onClose, children }: SidePanelProps) {
  return (
    <aside className={className ? `side-panel ${className}` : 'side-panel'} aria-label={title} data-testid={testId}>
      <header className="panel-header">
        <h2>{title}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={closeLabel}>
          ×
        </button>
      </header>
      {children}
    </aside>
  );
}
