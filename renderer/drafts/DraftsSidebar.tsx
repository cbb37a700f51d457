import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DraftSummary, TrashedDraft } from '../../electron/shared/drafts-api.js';

export interface DraftsSidebarProps {
  drafts: readonly DraftSummary[];
  trash: readonly TrashedDraft[];
  currentId: string | null;
  query: string;
  onQuery(query: string): void;
  onOpen(id: string): void;
  onCreate(): void;
  onRename(id: string, title: string): void;
  onDuplicate(id: string): void;
  onTrash(id: string): void;
  onRestore(trashId: string): void;
}

/** The library at the left: search by title, new, and per draft rename, duplicate and delete (to the trash). */
export function DraftsSidebar(props: DraftsSidebarProps) {
  const { t } = useTranslation();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [showTrash, setShowTrash] = useState(false);
  return (
    <nav className="drafts-sidebar" aria-label={t('sidebar.label')} data-testid="drafts-sidebar">
      <div className="drafts-head">
        <input
          type="search"
          className="drafts-search"
          placeholder={t('sidebar.search')}
          aria-label={t('sidebar.searchLabel')}
          value={props.query}
          onChange={(event) => props.onQuery(event.target.value)}
          data-testid="drafts-search"
        />
        <button type="button" className="text-button" onClick={props.onCreate} title={t('sidebar.newTitle')} data-testid="new-draft">
          {t('sidebar.new')}
        </button>
      </div>
      <ul className="drafts-list">
        {props.drafts.map((draft) => (
          <li key={draft.id} className={draft.id === props.currentId ? 'current' : undefined} data-testid="draft-item">
            {renaming === draft.id ? (
              <input
                className="draft-rename"
                defaultValue={draft.title}
                aria-label={t('sidebar.titleLabel')}
                autoFocus
                onBlur={(event) => {
                  setRenaming(null);
                  const title = event.target.value.trim();
                  if (title && title !== draft.title) props.onRename(draft.id, title);
                }}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') event.currentTarget.blur();
                  if (event.key === 'Escape') setRenaming(null);
                }}
              />
            ) : (
              <button
                type="button"
                className="draft-open"
                onClick={() => props.onOpen(draft.id)}
                onDoubleClick={() => setRenaming(draft.id)}
                title={t('sidebar.words', { count: draft.words })}
              >
                <span className="draft-title">{draft.title}</span>
                <span className="draft-meta">
                  {t('sidebar.wordsShort', { count: draft.words })}
                  {draft.dirty ? t('sidebar.unsaved') : ''}
                </span>
              </button>
            )}
            <span className="draft-actions">
              <button
                type="button"
                className="icon-button"
                aria-label={t('sidebar.renameLabel', { title: draft.title })}
                title={t('sidebar.rename')}
                onClick={() => setRenaming(draft.id)}
              >
                ✎
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={t('sidebar.duplicateLabel', { title: draft.title })}
                title={t('sidebar.duplicate')}
                onClick={() => props.onDuplicate(draft.id)}
              >
                ⧉
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={t('sidebar.trashLabel', { title: draft.title })}
                title={t('sidebar.trash')}
                onClick={() => props.onTrash(draft.id)}
              >
                🗑
              </button>
            </span>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="text-button trash-toggle"
        onClick={() => setShowTrash(!showTrash)}
        aria-expanded={showTrash}
        data-testid="trash-toggle"
      >
        {t('sidebar.trashToggle', { count: props.trash.length })}
      </button>
      {showTrash && (
        <ul className="drafts-list trash-list">
          {props.trash.map((item) => (
            <li key={item.trashId}>
              <span className="draft-title">{item.title}</span>
              <button
                type="button"
                className="text-button"
                onClick={() => props.onRestore(item.trashId)}
                aria-label={t('sidebar.restoreLabel', { title: item.title })}
              >
                {t('sidebar.restore')}
              </button>
            </li>
          ))}
          {props.trash.length === 0 && <li className="empty">{t('sidebar.trashEmpty')}</li>}
        </ul>
      )}
    </nav>
  );
}
