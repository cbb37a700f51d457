export interface ConflictBarProps {
  title: string;
  diskText: string;
  onKeep(keep: 'mine' | 'theirs'): void;
}

/** Another program changed the file while the editor held unsaved text: the writer decides, nothing is overwritten first. */
export function ConflictBar({ title, diskText, onKeep }: ConflictBarProps) {
  const words = diskText.trim() ? diskText.trim().split(/\s+/).length : 0;
  return (
    <div className="notice notice-warning conflict-bar" role="alert" data-testid="draft-conflict">
      <span>
        “{title}” was changed by another program ({words.toLocaleString()} words on disk) while you had unsaved text. Which should Kaituhi
        keep? The other is kept as a snapshot.
      </span>
      <button type="button" className="text-button" onClick={() => onKeep('mine')} data-testid="keep-mine">
        Keep mine
      </button>
      <button type="button" className="text-button" onClick={() => onKeep('theirs')} data-testid="keep-theirs">
        Use the file’s
      </button>
    </div>
  );
}
