import { useState } from 'react';
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
  const [renaming, setRenaming] = useState<string | null>(null);
  const [showTrash, setShowTrash] = useState(false);
  return (
    <nav className="drafts-sidebar" aria-label="Drafts" data-testid="drafts-sidebar">
      <div className="drafts-head">
        <input
          type="search"
          className="drafts-search"
          placeholder="Search titles"
          aria-label="Search drafts by title"
          value={props.query}
          onChange={(event) => props.onQuery(event.target.value)}
          data-testid="drafts-search"
        />
        <button type="button" className="text-button" onClick={props.onCreate} title="New draft" data-testid="new-draft">
          New
        </button>
      </div>
      <ul className="drafts-list">
        {props.drafts.map((draft) => (
          <li key={draft.id} className={draft.id === props.currentId ? 'current' : undefined} data-testid="draft-item">
            {renaming === draft.id ? (
              <input
                className="draft-rename"
                defaultValue={draft.title}
                aria-label="Draft title"
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
                title={`${draft.words.toLocaleString()} words`}
              >
                <span className="draft-title">{draft.title}</span>
                <span className="draft-meta">
                  {draft.words.toLocaleString()} w{draft.dirty ? ' · unsaved' : ''}
                </span>
              </button>
            )}
            <span className="draft-actions">
              <button
                type="button"
                className="icon-button"
                aria-label={`Rename ${draft.title}`}
                title="Rename"
                onClick={() => setRenaming(draft.id)}
              >
                ✎
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Duplicate ${draft.title}`}
                title="Duplicate"
                onClick={() => props.onDuplicate(draft.id)}
              >
                ⧉
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Delete ${draft.title}`}
                title="Move to trash"
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
        Trash ({props.trash.length})
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
                aria-label={`Restore ${item.title}`}
              >
                Restore
              </button>
            </li>
          ))}
          {props.trash.length === 0 && <li className="empty">The trash is empty.</li>}
        </ul>
      )}
    </nav>
  );
}
