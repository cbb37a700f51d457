import { useTranslation } from 'react-i18next';

export interface ConflictBarProps {
  title: string;
  diskText: string;
  onKeep(keep: 'mine' | 'theirs'): void;
}

/** Another program changed the file while the editor held unsaved text: the writer decides, nothing is overwritten first. */
export function ConflictBar({ title, diskText, onKeep }: ConflictBarProps) {
  const { t } = useTranslation();
  const words = diskText.trim() ? diskText.trim().split(/\s+/).length : 0;
  return (
    <div className="notice notice-warning conflict-bar" role="alert" data-testid="draft-conflict">
      <span>{t('conflict.text', { title, count: words })}</span>
      <button type="button" className="text-button" onClick={() => onKeep('mine')} data-testid="keep-mine">
        {t('conflict.keepMine')}
      </button>
      <button type="button" className="text-button" onClick={() => onKeep('theirs')} data-testid="keep-theirs">
        {t('conflict.useTheirs')}
      </button>
    </div>
  );
}
