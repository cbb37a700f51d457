/**
 * Keeps the open draft's history tree: records every suggestion shown, card written, regenerate and
 * alternative picked as a node under the spot it continued, and what the writer accepted. The tree is
 * changed here first (the editor never waits) and the same operations go to the drafts service, which keeps
 * and saves its own copy; if the two ever disagree, the service's copy is loaded again.
 */
import type { KaituhiApi } from '../../electron/shared/api.js';
import {
  applyHistoryOps,
  emptyHistory,
  HISTORY_LIMITS,
  type HistoryKind,
  type HistoryNode,
  type HistoryOp,
  type HistoryToken,
  type HistoryTree,
  type NewHistoryNode,
  type SamplerUsed,
} from '../../electron/common/history.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { historyAt, nodeEndingAt, WINDOW_AFTER, WINDOW_BEFORE, writtenPieces, type HistorySpot, type TextWindow } from './locate.js';
import { SuggestionLedger } from './suggestion-ledger.js';

/** The draft's text as the editor holds it, read a stretch at a time: a 10 MB draft is never copied whole. */
export interface DraftText {
  /** How long the text is; null while the editor holds no draft. */
  length(): number | null;
  /** The text from `start` to `end` (UTF-16 offsets, end exclusive). */
  slice(start: number, end: number): string;
}

export interface HistoryRecorderDeps {
  /** The calls that keep the library's copy of the tree. */
  api: { readonly drafts: Pick<KaituhiApi['drafts'], 'draftHistory' | 'editHistory'> };
  text: DraftText;
  /** The sampler requests are sent with now, and the preset it came from. */
  sampler(): SamplerUsed;
  /** The tree changed (the History panel redraws). */
  onTree(tree: HistoryTree): void;
  /** A change the service refused, or a tree it could not read, in words. */
  onProblem(message: string): void;
}

/** Model text written at a spot, as the editor has it: the text and its tokens' alternatives (offsets into it). */
export interface WrittenText {
  readonly text: string;
  readonly tokens?: readonly HistoryToken[];
}

export function newNodeId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `h${Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('')}`;
}

export class HistoryRecorder {
  #draftId: string | null = null;
  #tree: HistoryTree = emptyHistory();
  #sending: Promise<unknown> = Promise.resolve();
  readonly #ledger = new SuggestionLedger();
  readonly #deps: HistoryRecorderDeps;

  constructor(deps: HistoryRecorderDeps) {
    this.#deps = deps;
  }

  get tree(): HistoryTree {
    return this.#tree;
  }

  get draftId(): string | null {
    return this.#draftId;
  }

  /** Follows the draft in the editor: loads its tree (empty until it arrives). */
  async open(draftId: string | null): Promise<void> {
    if (draftId === this.#draftId) return;
    this.#draftId = draftId;
    this.#ledger.clear();
    this.#set(emptyHistory());
    if (draftId !== null) await this.#reload(draftId);
  }

  /** Ghost text shown at `offset`: one node per alternative (one already in the tree there is reused). */
  suggestionsShown(offset: number, shown: readonly WrittenText[]): void {
    const ids = this.#record('suggestion', offset, shown);
    shown.forEach((written, index) => {
      const id = ids[index];
      if (id) this.#ledger.offered(offset, written.text, id, written.tokens);
    });
  }

  /**
   * Part or all of a suggestion offered at `offset` now stands in the text: records what was taken, and answers
   * with the suggestion's tokens (offsets into `text`) for its mark.
   */
  suggestionAccepted(offset: number, text: string): readonly HistoryToken[] {
    if (this.#deps.text.length() === null) return [];
    const there = this.#deps.text.slice(offset, offset + text.length);
    let length = 0;
    while (length < text.length && there[length] === text[length]) length += 1;
    const tokens = this.#ledger.tokensOf(offset, text);
    this.#apply(this.#ledger.accept(offset, text, length, Date.now(), newNodeId));
    return tokens;
  }

  /** A candidate card finished writing (or was stopped with text): its node, for when it is inserted. */
  cardWritten(offset: number, written: WrittenText, regenerated: boolean): string | null {
    return this.#record(regenerated ? 'regenerate' : 'card', offset, [written])[0] ?? null;
  }

  /** An alternative picked on a model-written word: the new text written from there on. */
  alternativeWritten(offset: number, written: WrittenText): string | null {
    return this.#record('alternative', offset, [written])[0] ?? null;
  }

  /** A recorded node's text went into the draft. */
  accepted(id: string, tokens?: readonly HistoryToken[]): void {
    this.#apply([{ op: 'accept', id, time: Date.now(), ...(tokens && tokens.length > 0 ? { tokens: [...tokens] } : {}) }]);
  }

  /**
   * Before text inside an accepted node is replaced from `offset` on (an alternative picked there): cuts the
   * node so the replaced part becomes a branch of its own. Returns the id of the part that stays.
   */
  cutAt(offset: number): string | null {
    const window = this.#window(offset);
    const spot = historyAt(this.#tree, window, offset);
    const node = spot?.current;
    if (!spot || !node || offset <= spot.position || offset >= spot.position + node.text.length) return null;
    this.#apply([{ op: 'split', id: node.id, offset: offset - spot.position, tailId: newNodeId() }]);
    return node.id;
  }

  /** The tree at the cursor, for the History panel. */
  spotAt(cursor: number): HistorySpot | null {
    return historyAt(this.#tree, this.#window(cursor), cursor);
  }

  /**
   * Where a node of the panel's spot goes into the text: a node written at the spot replaces the one standing
   * there, one that continued it replaces whatever continuation stands after it. Null for any other node.
   */
  placeFor(node: HistoryNode, cursor: number): { start: number; replaces: number } | null {
    const window = this.#window(cursor);
    const spot = historyAt(this.#tree, window, cursor);
    if (!spot) return null;
    if (spot.siblings.some((sibling) => sibling.id === node.id)) return { start: spot.position, replaces: spot.current?.text.length ?? 0 };
    if (!spot.current || !spot.children.some((child) => child.id === node.id)) return null;
    const start = spot.position + spot.current.text.length;
    const after = historyAt(this.#tree, window, start);
    return { start, replaces: after?.position === start ? (after.current?.text.length ?? 0) : 0 };
  }

  /** Where each accepted node stands inside the given model-written spans (for their alternatives after a reload). */
  piecesIn(spans: readonly { start: number; end: number }[]) {
    const length = this.#deps.text.length();
    if (length === null || spans.length === 0) return [];
    return writtenPieces(this.#tree, { text: this.#deps.text.slice(0, length), start: 0 }, spans);
  }

  #record(kind: HistoryKind, offset: number, written: readonly WrittenText[]): (string | null)[] {
    if (this.#deps.text.length() === null || this.#draftId === null) return written.map(() => null);
    const window = this.#window(offset);
    const before = window.text.slice(0, offset - window.start).slice(-HISTORY_LIMITS.beforeChars);
    const parent = nodeEndingAt(this.#tree, window, offset)?.id ?? null;
    const sampler = this.#deps.sampler();
    const created = Date.now();
    const fresh: NewHistoryNode[] = [];
    const ids = written.map(({ text }) => {
      if (text.length === 0 || text.length > HISTORY_LIMITS.nodeChars) return null;
      // The same words offered again at the same spot (the writer came back to it) are the same node.
      const same = [...this.#tree.nodes, ...fresh].find((node) => node.before === before && node.parent === parent && node.text === text);
      if (same) return same.id;
      const id = newNodeId();
      fresh.push({ id, parent, before, text, kind, created, sampler });
      return id;
    });
    if (fresh.length > 0) this.#apply([{ op: 'add', nodes: fresh }]);
    return ids;
  }

  /** The text around `offset` that any node standing there could need. */
  #window(offset: number): TextWindow {
    const length = this.#deps.text.length();
    if (length === null) return { text: '', start: 0 };
    const start = Math.max(0, offset - WINDOW_BEFORE);
    return { text: this.#deps.text.slice(start, Math.min(length, offset + WINDOW_AFTER)), start };
  }

  #apply(ops: HistoryOp[]): void {
    const draftId = this.#draftId;
    if (ops.length === 0 || draftId === null) return;
    try {
      this.#set(applyHistoryOps(this.#tree, ops));
    } catch (error) {
      this.#deps.onProblem(errorMessage(error));
      return;
    }
    // One after another, in order: the service applies them to its copy exactly as they were applied here.
    this.#sending = this.#sending.then(() =>
      this.#deps.api.drafts.editHistory({ id: draftId, ops }).catch(async (error: unknown) => {
        this.#deps.onProblem(errorMessage(error));
        if (this.#draftId === draftId) await this.#fetch(draftId);
      }),
    );
  }

  /** The service's tree, once every change sent before has been applied there. */
  async #reload(draftId: string): Promise<void> {
    await this.#sending;
    await this.#fetch(draftId);
  }

  async #fetch(draftId: string): Promise<void> {
    try {
      const tree = await this.#deps.api.drafts.draftHistory({ id: draftId });
      if (this.#draftId === draftId) this.#set(tree);
    } catch (error) {
      if (this.#draftId === draftId) this.#deps.onProblem(errorMessage(error));
    }
  }

  #set(tree: HistoryTree): void {
    this.#tree = tree;
    this.#deps.onTree(tree);
  }
}
