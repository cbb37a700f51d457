/**
 * Where the history's nodes stand in the text now. A node keeps the text just before it (`before`), not an
 * offset, so typing earlier in the draft never loses it: it is wherever that text is followed by the cursor's
 * spot. Everything here reads a window of the text around the cursor, never a 10 MB draft whole.
 */
import { HISTORY_LIMITS, type HistoryNode, type HistoryTree } from '../../electron/common/history.js';

/** A stretch of the draft: its text and where it starts (UTF-16 offsets). */
export interface TextWindow {
  readonly text: string;
  readonly start: number;
}

/** How far before and after the cursor a window must reach to see any node that could stand there. */
export const WINDOW_BEFORE = HISTORY_LIMITS.nodeChars + HISTORY_LIMITS.beforeChars;
export const WINDOW_AFTER = HISTORY_LIMITS.nodeChars;

/** The text of `window` at absolute offsets [from, to), or null where the window does not reach. */
function slice(window: TextWindow, from: number, to: number): string | null {
  if (from < window.start || to > window.start + window.text.length) return null;
  return window.text.slice(from - window.start, to - window.start);
}

/** Whether the node's `before` is the text just before `position`. A short `before` was taken at the very start of the draft. */
export function continuesAt(window: TextWindow, node: HistoryNode, position: number): boolean {
  const from = position - node.before.length;
  if (from < 0) return false;
  if (node.before.length < HISTORY_LIMITS.beforeChars && from !== 0) return false;
  return slice(window, from, position) === node.before;
}

/** The last position at or before `limit` that the node continues, or null. */
function lastStart(window: TextWindow, node: HistoryNode, limit: number): number | null {
  if (node.before.length < HISTORY_LIMITS.beforeChars) {
    const position = node.before.length;
    return position <= limit && continuesAt(window, node, position) ? position : null;
  }
  const from = limit - window.start - node.before.length;
  const index = from < 0 ? -1 : window.text.lastIndexOf(node.before, from);
  return index < 0 ? null : window.start + index + node.before.length;
}

/** How much of the node's text stands in the draft from `position` on. */
export function presentLength(window: TextWindow, node: HistoryNode, position: number): number {
  const there = slice(window, position, Math.min(position + node.text.length, window.start + window.text.length)) ?? '';
  let length = 0;
  while (length < there.length && there[length] === node.text[length]) length += 1;
  return length;
}

/** What the History panel shows for the cursor: the spot, the nodes written there, their ancestors and what followed. */
export interface HistorySpot {
  /** Where the nodes begin. */
  readonly position: number;
  /** Every node written at this spot, oldest first. */
  readonly siblings: readonly HistoryNode[];
  /** The one whose whole text stands in the draft now, if any (the most recently accepted of them). */
  readonly current: HistoryNode | null;
  /** The nodes the spot's nodes continued, the oldest first. */
  readonly ancestors: readonly HistoryNode[];
  /** The nodes that continued the current one. */
  readonly children: readonly HistoryNode[];
}

/**
 * The spot for a cursor: the latest place at or before it where nodes were written, such that the cursor
 * is right there or inside the text one of them wrote. Null when the cursor is in the writer's own text.
 */
export function historyAt(tree: HistoryTree, window: TextWindow, cursor: number): HistorySpot | null {
  let position = -1;
  for (const node of tree.nodes) {
    const start = lastStart(window, node, cursor);
    if (start === null || start <= position) continue;
    if (start === cursor || presentLength(window, node, start) >= cursor - start) position = start;
  }
  if (position < 0) return null;
  const siblings = tree.nodes.filter((node) => continuesAt(window, node, position));
  const standing = siblings.filter((node) => node.accepted !== null && presentLength(window, node, position) === node.text.length);
  const current = standing.sort((a, b) => (b.accepted ?? 0) - (a.accepted ?? 0))[0] ?? null;
  const byId = new Map(tree.nodes.map((node) => [node.id, node]));
  const ancestors: HistoryNode[] = [];
  const seen = new Set<string>();
  for (let parent = (current ?? siblings[0])?.parent ?? null; parent !== null && !seen.has(parent);) {
    seen.add(parent);
    const node = byId.get(parent);
    if (!node) break;
    ancestors.unshift(node);
    parent = node.parent;
  }
  const children = current ? tree.nodes.filter((node) => node.parent === current.id) : [];
  return { position, siblings, current, ancestors, children };
}

/** The accepted node whose whole text ends exactly at `position`: what a suggestion written there continues. */
export function nodeEndingAt(tree: HistoryTree, window: TextWindow, position: number): HistoryNode | null {
  let best: HistoryNode | null = null;
  for (const node of tree.nodes) {
    if (node.accepted === null) continue;
    const start = position - node.text.length;
    if (start < 0 || slice(window, start, position) !== node.text || !continuesAt(window, node, start)) continue;
    if (!best || (node.accepted ?? 0) > (best.accepted ?? 0)) best = node;
  }
  return best;
}

/** A piece of a model-written span and the accepted node that wrote it. */
export interface WrittenPiece {
  readonly node: HistoryNode;
  /** Where the piece starts in the draft, and how long it is. */
  readonly start: number;
  readonly length: number;
}

/**
 * The accepted nodes that wrote each model-written span, piece by piece from its start (two suggestions
 * accepted one after the other are one span once saved). A span's pieces stop where no node accounts for the
 * text. Nodes are looked up by the text before them, so a long draft with many spans costs one pass.
 */
export function writtenPieces(tree: HistoryTree, window: TextWindow, spans: readonly { start: number; end: number }[]): WrittenPiece[] {
  const byBefore = new Map<string, HistoryNode[]>();
  for (const node of tree.nodes) {
    if (node.accepted === null) continue;
    const list = byBefore.get(node.before);
    if (list) list.push(node);
    else byBefore.set(node.before, [node]);
  }
  const pieces: WrittenPiece[] = [];
  for (const span of spans) {
    let at = span.start;
    while (at < span.end) {
      const before = slice(window, Math.max(0, at - HISTORY_LIMITS.beforeChars), at);
      let best: WrittenPiece | null = null;
      for (const node of (before !== null && byBefore.get(before)) || []) {
        const length = Math.min(presentLength(window, node, at), span.end - at);
        const better = !best || length > best.length || (length === best.length && (node.accepted ?? 0) > (best.node.accepted ?? 0));
        if (length > 0 && better) best = { node, start: at, length };
      }
      if (!best) break;
      pieces.push(best);
      at += best.length;
    }
  }
  return pieces;
}
