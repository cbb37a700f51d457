import type { SaveStatus } from './draft-binding.js';

const WORDS: Record<SaveStatus['kind'], string> = { saved: 'Saved', unsaved: 'Editing…', failed: 'Not saved' };

/** Quiet word next to the title: Saved, Editing… (autosave follows about a second after you stop), Not saved. */
export function SaveIndicator({ status }: { status: SaveStatus }) {
  return (
    <span
      className={`save-indicator save-${status.kind}`}
      data-testid="save-status"
      data-state={status.kind}
      title={status.kind === 'failed' ? status.message : undefined}
    >
      {WORDS[status.kind]}
    </span>
  );
}
