import { useTranslation } from 'react-i18next';
import type { SaveStatus } from './draft-binding.js';

/** Quiet word next to the title: Saved, Editing… (autosave follows about a second after you stop), Not saved. */
export function SaveIndicator({ status }: { status: SaveStatus }) {
  const { t } = useTranslation();
  return (
    <span
      className={`save-indicator save-${status.kind}`}
      data-testid="save-status"
      data-state={status.kind}
      title={status.kind === 'failed' ? status.message : undefined}
    >
      {t(`save.${status.kind}`)}
    </span>
  );
}
