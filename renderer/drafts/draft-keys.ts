import { useEffect, useRef } from 'react';

export interface DraftKeyActions {
  save(): void;
  exportPanel(): void;
  draftPanel(): void;
  lorePanel(): void;
  inspector(): void;
}

/**
 * Ctrl/Cmd+S saves now, Ctrl/Cmd+Shift+E opens Export, Ctrl/Cmd+Shift+M the draft panel (memory, words,
 * snapshots), Ctrl/Cmd+Shift+L the lore panel (author's note, lorebook), Ctrl/Cmd+Shift+I the context inspector.
 * Caught before Monaco and the browser (whose Ctrl+S would save the page, and Ctrl+Shift+I open its tools).
 */
export function useDraftKeys(actions: DraftKeyActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      const action =
        !event.shiftKey && key === 's'
          ? latest.current.save
          : event.shiftKey && key === 'e'
            ? latest.current.exportPanel
            : event.shiftKey && key === 'm'
              ? latest.current.draftPanel
              : event.shiftKey && key === 'l'
                ? latest.current.lorePanel
                : event.shiftKey && key === 'i'
                  ? latest.current.inspector
                  : null;
      if (!action) return;
      event.preventDefault();
      event.stopPropagation();
      action();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
