import type { Lorebook } from '../../electron/common/lore.js';

/**
 * A series' lorebook changed through another draft (another window): the current draft shows it if it is in that
 * series. The draft that made the change already shows it (and may have newer keystrokes), so it is left alone.
 */
export function withSeriesLorebook<D extends { readonly id: string; readonly series: string | null; readonly lorebook: Lorebook }>(
  current: D | null,
  event: { readonly id: string; readonly series: string; readonly lorebook: Lorebook },
): D | null {
  if (!current || current.series !== event.series || current.id === event.id) return current;
  return { ...current, lorebook: event.lorebook };
}
