import { useTranslation } from 'react-i18next';

export interface Notice {
  readonly id: string;
  readonly tone: 'info' | 'warning' | 'error';
  readonly text: string;
  readonly dismissible: boolean;
  /** A way out the notice offers, such as going back to this computer's engine. */
  readonly action?: { readonly label: string; readonly testId: string; run(): void };
}

export interface NoticeBarProps {
  notices: readonly Notice[];
  onDismiss(id: string): void;
}

/** Plain-language notices above the editor: no model, a damaged settings file, an engine restart, a server that is down. */
export function NoticeBar({ notices, onDismiss }: NoticeBarProps) {
  const { t } = useTranslation();
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((notice) => (
        <div
          key={notice.id}
          className={`notice notice-${notice.tone}`}
          role={notice.tone === 'error' ? 'alert' : 'status'}
          data-testid={`notice-${notice.id}`}
        >
          <span>{notice.text}</span>
          {notice.action && (
            <button type="button" className="text-button" onClick={notice.action.run} data-testid={notice.action.testId}>
              {notice.action.label}
            </button>
          )}
          {notice.dismissible && (
            <button type="button" className="icon-button" aria-label={t('notices.dismiss')} onClick={() => onDismiss(notice.id)}>
              ×
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
