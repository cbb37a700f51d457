/**
 * Which lorebook entries are active for a text, with hysteresis: an entry turns on when one of its keys occurs in
 * the last `scanDepth` characters, and stays on until the key is `releaseDepth` characters back, half as far again.
 * A key at the edge of the scan range therefore does not flip the entry on and off as each word is typed; each
 * flip would change the tokens after the lore, and the engine would re-read the whole story behind it.
 *
 * The state is the order entries became active in: the assembly places active lore in that order, so an entry
 * that turns on goes after those already in the window and leaves their cached tokens alone. The engine keeps
 * one state beside its one prefix cache (lore-state.ts); this module only computes the next one.
 */
import type { LoreEntry } from '../common/lore.js';
import { keyMatcher } from '../common/lore-keys.js';

export interface LoreState {
  /** Active entry ids and the sequence number each became active at. */
  readonly active: ReadonlyMap<string, number>;
  readonly next: number;
}

export const NO_LORE_STATE: LoreState = { active: new Map(), next: 0 };

/** The least extra distance an active entry's key may drift back before the entry turns off. */
const RELEASE_MIN_CHARS = 200;

/** How far back a key keeps an already active entry on. */
export function releaseDepth(scanDepth: number): number {
  return scanDepth + Math.max(RELEASE_MIN_CHARS, Math.ceil(scanDepth / 2));
}

export type ActivationReason = 'always-on' | 'key' | 'kept';

export interface ActiveEntry {
  readonly entry: LoreEntry;
  /** When it became active: lower went into the window first. */
  readonly order: number;
  readonly reason: ActivationReason;
}

/** Where the last occurrence of any of the entry's keys starts, searching the last `depth` characters; -1 if none. */
function lastKeyStart(entry: LoreEntry, text: string, depth: number): number {
  const from = Math.max(0, text.length - depth);
  let last = -1;
  for (const key of entry.keys) last = Math.max(last, keyMatcher(key, entry.caseSensitive).lastStart(text, from));
  return last;
}

/**
 * The entries active for `text` (the text before the cursor), in the order they became active, and the state
 * the next request starts from. Disabled and empty entries never activate. Entries of other lorebooks are
 * forgotten: the state follows the one prefix cache, which holds one draft's window at a time.
 */
export function activateLore(
  entries: readonly LoreEntry[],
  text: string,
  previous: LoreState,
): { active: ActiveEntry[]; state: LoreState } {
  const active: ActiveEntry[] = [];
  let next = previous.next;
  for (const entry of entries) {
    if (!entry.enabled || entry.text.trim().length === 0) continue;
    let reason: ActivationReason | null = null;
    if (entry.alwaysOn) reason = 'always-on';
    else if (entry.keys.length > 0) {
      const wasActive = previous.active.has(entry.id);
      const start = lastKeyStart(entry, text, wasActive ? releaseDepth(entry.scanDepth) : entry.scanDepth);
      if (start >= 0) reason = start >= text.length - entry.scanDepth ? 'key' : 'kept';
    }
    if (reason === null) continue;
    const order = previous.active.get(entry.id) ?? next++;
    active.push({ entry, order, reason });
  }
  active.sort((a, b) => a.order - b.order);
  return { active, state: { active: new Map(active.map((a) => [a.entry.id, a.order])), next } };
}

/**
 * The activation the engine's requests last ran with, per loaded model: one state beside the one prefix cache it
 * keeps warm. Generation and the cache warm-up keep theirs; the inspector and the background slide only read it,
 * so what they show and prepare is what the next request will assemble.
 */
const states = new WeakMap<object, LoreState>();

export function loreStateOf(model: object): LoreState {
  return states.get(model) ?? NO_LORE_STATE;
}

export function keepLoreState(model: object, state: LoreState): void {
  states.set(model, state);
}
