import type { GenerationStats, KaituhiApi, Settings } from '../../electron/shared/api.js';
import type { SuggestionMode } from '../../electron/common/suggestion-mode.js';
import { promptStart } from '../../electron/common/prompt-window.js';
import type { StoryFields } from '../../electron/common/lore.js';
import { monaco } from './monaco.js';
import { recordInlineRequest, recordKept, type InlineRecord, type InlineTrigger } from './diagnostics.js';
import { i18n } from '../i18n/index.js';
import { fitSuggestion, paragraphAfter, splitTrailingSpaces } from './prompt-text.js';
import { OfferKeeper, type KeptSuggestion } from './offer.js';
import type { FilterCounts } from './suggestion-filters.js';
import { chooseAlternatives } from './choose-alternatives.js';
import { steeringRequestFields } from '../../electron/common/steering.js';
import { HISTORY_LIMITS } from '../../electron/common/history.js';
import { offeredText, type OfferedText } from './shown-suggestions.js';

/** A suggestion that came on screen. */
export interface ShownSuggestion {
  /** The Monaco model it was offered in, and where (a UTF-16 offset). */
  readonly documentId: string;
  readonly offset: number;
  /** The whole alternative as offered (type-through may since have written part of it). */
  readonly text: string;
  /** Its place among the alternatives, best first, and all of them. */
  readonly index: number;
  readonly alternatives: readonly string[];
}

export interface InlineProviderDeps {
  api: KaituhiApi;
  settings(): Settings;
  /** The mode in effect for the open draft (its own, or Settings'). */
  mode(): SuggestionMode;
  /** The draft's memory, author's note and lorebook, which the engine assembles around the prompt. */
  story(): StoryFields;
  engineReady(): boolean;
  /** Ghost text over a selection would hide what the writer selected; Ctrl+Enter is for that. */
  hasSelection(): boolean;
  /** An input method is composing: its text is not the writer's yet, so there is nothing to continue. */
  composing(): boolean;
  onStats(stats: GenerationStats): void;
  /** Command Monaco runs after a full accept, with where the text went, to mark it as the model's. */
  markCommandId: string;
  /** Marks the part of `text` that now stands at `offset` (after a partial, word-by-word accept). */
  markAccepted(offset: number, text: string): void;
  /**
   * A different alternative came on screen: a new suggestion, or another one cycled to (Alt+] / Alt+[). What
   * type-through or Ctrl+→ leaves of one on screen is not new. The screen-reader announcement and the
   * draft's suggestion history hang here.
   */
  onShown(shown: ShownSuggestion): void;
  /**
   * A fresh offer from the engine (not what was kept on offer): its alternatives as shown, best first, with their
   * tokens, at `offset`. The draft's history tree records them, and answers an accept with their tokens.
   */
  onOffered?(offset: number, offered: readonly OfferedText[]): void;
  /** A filter dropped a suggestion: how often each has, so far. */
  onFiltered(counts: FilterCounts): void;
}

interface GhostItem extends monaco.languages.InlineCompletion {
  /** The request that decoded it, its place in that offer, the offer's alternatives and where they start. */
  readonly documentId: string;
  readonly seq: number;
  readonly index: number;
  readonly alternatives: readonly string[];
  readonly anchor: number;
  readonly record: InlineRecord | null;
}
type GhostList = monaco.languages.InlineCompletions<GhostItem>;

const NONE: GhostList = { items: [] };

/**
 * Ghost text from the engine. Monaco asks on every edit and cancels the token on the next one. What was
 * offered stays on offer while the writer agrees with it (OfferKeeper): typing its next characters or
 * accepting its next word is answered at once, with no request. Otherwise we wait out the writer's debounce
 * (automatic mode; manual mode asks only on Alt+\), pass the cancellation on to the engine, drop any answer
 * for a document version that is no longer current, filter and rank the alternatives. A full accept (Tab)
 * asks for the next suggestion at once: the engine's prefix cache already holds all but the accepted words.
 */
export class InlineSuggestions implements monaco.languages.InlineCompletionsProvider<GhostList> {
  readonly displayName = 'Kaituhi';
  /** The writer's debounce runs inside provideInlineCompletions; Monaco's own would only add to it. */
  readonly debounceDelayMs = 0;
  readonly #deps: InlineProviderDeps;
  readonly #offers = new OfferKeeper();
  /** The full accept the next question may continue from at once. */
  #accepted: { documentId: string; version: number; offset: number; at: number } | null = null;
  /** The alternative last on screen (seq:index), so a remainder is not announced as new. */
  #onScreen = '';

  constructor(deps: InlineProviderDeps) {
    this.#deps = deps;
  }

  async provideInlineCompletions(
    model: monaco.editor.ITextModel,
    position: monaco.Position,
    context: monaco.languages.InlineCompletionContext,
    token: monaco.CancellationToken,
  ): Promise<GhostList> {
    const deps = this.#deps;
    const settings = deps.settings();
    if (!settings.inline.enabled || !deps.engineReady() || deps.hasSelection() || deps.composing()) return NONE;
    const documentId = model.uri.toString();
    const cursor = model.getOffsetAt(position);

    const kept = this.#offers.rest(documentId, cursor, (anchor, end) =>
      model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(anchor), model.getPositionAt(end))),
    );
    if (kept.length > 0) {
      recordKept();
      return this.#items(kept, position, cursor);
    }

    const version = model.getVersionId();
    const accepted = this.#accepted;
    this.#accepted = null;
    const trigger: InlineTrigger =
      accepted?.documentId === documentId && accepted.version === version && accepted.offset === cursor
        ? 'after-accept'
        : context.triggerKind === monaco.languages.InlineCompletionTriggerKind.Explicit
          ? 'explicit'
          : 'pause';
    if (trigger === 'pause') {
      if (deps.mode() === 'manual') return NONE;
      if (!(await quietFor(settings.inline.debounceMs, token))) return NONE;
    }
    // A composition may have begun during the pause without changing the text yet.
    if (deps.composing()) return NONE;

    const before = model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(promptStart(cursor)), position));
    const { prompt, trailing } = splitTrailingSpaces(before);
    if (prompt.trim().length === 0) return NONE;
    const after = paragraphAfter(model.getLineContent(position.lineNumber).slice(position.column - 1));

    const record = recordInlineRequest(version, before, trigger, after);
    if (accepted && trigger === 'after-accept') record.acceptedAt = accepted.at;
    const story = deps.story();
    /** Each candidate's joining score (mid-paragraph), by the engine's candidate number. */
    const joinScores: (number | null)[] = [];
    record.requestedAt = performance.now();
    const handle = deps.api.generate(
      {
        ...story,
        context: prompt,
        // Mid-paragraph: the engine scores how well each alternative leads into the rest of the paragraph.
        ...(after ? { after } : {}),
        maxTokens: settings.inline.maxTokens,
        candidates: settings.inline.alternatives,
        sampler: settings.sampler,
        stopAt: settings.inline.length,
        // Ghost text shows only the finished alternatives: their tokens need not cross two processes one by one.
        stream: false,
        // What the model weighed at each token: the accepted words keep it, for their alternatives.
        topAlternatives: HISTORY_LIMITS.alternatives,
        // The writer's bans and phrase bias (Settings → Steering).
        ...steeringRequestFields(settings.steering),
      },
      (event) => {
        if (event.type === 'done') joinScores[event.candidate] = event.joiningScore ?? null;
      },
    );
    const subscription = token.onCancellationRequested(() => handle.cancel());
    const outcome = await handle.finished.finally(() => subscription.dispose());

    if (token.isCancellationRequested || outcome.cancelled) {
      record.outcome = 'cancelled';
      return NONE;
    }
    if (model.isDisposed() || model.getVersionId() !== version || deps.composing()) {
      record.outcome = 'stale';
      return NONE;
    }
    if (outcome.error) {
      record.outcome = 'error';
      record.error = outcome.error;
      return NONE;
    }
    if (outcome.stats) {
      deps.onStats(outcome.stats);
      const { promptTokens, reusedTokens, prefillMs, decodeMs, generatedTokens } = outcome.stats;
      record.stats = { promptTokens, reusedTokens, prefillMs, decodeMs, generatedTokens };
    }

    const decoded = outcome.texts.map((text, candidate) => ({
      text: fitSuggestion(text, trailing),
      joinScore: joinScores[candidate] ?? null,
      candidate,
    }));
    const { shown: ranked, dropped } = chooseAlternatives(decoded, { before, after }, deps.onFiltered);
    record.dropped = dropped;
    record.alternatives = ranked.map((alternative) => alternative.text);
    record.joinScores = ranked.map((alternative) => alternative.joinScore);
    record.outcome = ranked.length > 0 ? 'shown' : 'empty';
    if (ranked.length > 0)
      deps.onOffered?.(
        cursor,
        ranked.map(({ text, candidate }) => offeredText(outcome.texts[candidate]!, outcome.tokens[candidate], trailing, text)),
      );
    this.#offers.keep({ documentId, anchor: cursor, before, suggestions: record.alternatives, seq: record.seq });
    return this.#items(
      record.alternatives.map((suggestion, index) => ({ suggestion, index, rest: suggestion })),
      position,
      cursor,
      record,
    );
  }

  /** Monaco's content events: a change before the offer's start retires it. */
  contentChanged(model: monaco.editor.ITextModel, event: monaco.editor.IModelContentChangedEvent): void {
    this.#offers.changed(
      model.uri.toString(),
      event.changes.map((change) => ({ offset: change.rangeOffset, removed: change.rangeLength })),
    );
  }

  /**
   * A full accept (Tab, or Ctrl+→ on the last word): the offer is spent, and in automatic mode the next
   * suggestion is asked for now, continuing from the accepted words, with no debounce.
   */
  accepted(editor: monaco.editor.ICodeEditor, offset: number, text: string): void {
    this.#offers.forget();
    const model = editor.getModel();
    const settings = this.#deps.settings();
    if (!model || !settings.inline.enabled || this.#deps.mode() !== 'automatic') return;
    this.#accepted = {
      documentId: model.uri.toString(),
      version: model.getVersionId(),
      offset: offset + text.length,
      at: performance.now(),
    };
    editor.trigger('kaituhi', 'editor.action.inlineSuggest.trigger', { explicit: false });
  }

  handleItemDidShow(_list: GhostList, item: GhostItem): void {
    const key = `${item.seq}:${item.index}`;
    if (key === this.#onScreen) return;
    this.#onScreen = key;
    const record = item.record;
    if (record && record.shownAt === undefined) {
      record.shownAt = performance.now();
      requestAnimationFrame((painted) => (record.paintedAt = painted));
    }
    const text = item.alternatives[item.index];
    if (text === undefined) return;
    this.#warm(item, text);
    this.#deps.onShown({
      documentId: item.documentId,
      offset: item.anchor,
      text,
      index: item.index,
      alternatives: item.alternatives,
    });
  }

  /**
   * While the writer reads the ghost, the engine reads it too: its prefix cache is filled with the text Tab
   * would leave, so the next suggestion, asked for at once after Tab, starts from a warm cache (and the
   * engine's background work prepares the window slide that text will need; a text that would slide the window
   * now is left to that). Automatic mode only: in manual mode nothing follows Tab.
   */
  #warm(item: GhostItem, text: string): void {
    const offer = this.#offers.offer;
    const settings = this.#deps.settings();
    if (offer?.seq !== item.seq || this.#deps.mode() !== 'automatic') return;
    const story = this.#deps.story();
    const { prompt } = splitTrailingSpaces(offer.before + text);
    this.#deps.api.app
      // keepWindow: a guess that would slide the window is left undone, or a writer who types on instead would find
      // their own text's cache gone (a whole window read again, seconds on a CPU).
      .prefill({ ...story, context: prompt, maxTokens: settings.inline.maxTokens, keepWindow: true })
      .then((result) => {
        if (result && item.record) {
          const { reusedTokens, prefillMs } = result;
          item.record.warmed = { index: item.index, reusedTokens, prefillMs, skipped: result.skipped === true };
        }
      })
      // Only a warm-up: the suggestion after Tab reads the words itself.
      .catch(() => undefined);
  }

  handlePartialAccept(_list: GhostList, item: GhostItem): void {
    const [offset, text] = (item.command?.arguments ?? []) as [number?, string?];
    if (typeof offset === 'number' && typeof text === 'string') this.#deps.markAccepted(offset, text);
  }

  /** Esc dismissed the ghost: what it offered is no longer on offer, or typing on would bring it back. */
  handleEndOfLifetime(_list: GhostList, item: GhostItem, reason: monaco.languages.InlineCompletionEndOfLifeReason<GhostItem>): void {
    if (reason.kind === monaco.languages.InlineCompletionEndOfLifeReasonKind.Rejected && this.#offers.offer?.seq === item.seq)
      this.#offers.forget();
  }

  disposeInlineCompletions(): void {
    // Items hold no resources; what is on offer lives in the OfferKeeper.
  }

  /** Monaco items for the alternatives still on offer at the cursor: on accept, the mark command marks what was inserted. */
  #items(kept: readonly KeptSuggestion[], position: monaco.Position, cursor: number, record: InlineRecord | null = null): GhostList {
    const offer = this.#offers.offer;
    if (!offer) return NONE;
    const at = monaco.Range.fromPositions(position);
    return {
      items: kept.map(({ rest, index }) => ({
        insertText: rest,
        range: at,
        command: { id: this.#deps.markCommandId, title: i18n.t('editor.markModelText'), arguments: [cursor, rest] },
        documentId: offer.documentId,
        seq: offer.seq,
        index,
        alternatives: offer.suggestions,
        anchor: offer.anchor,
        record,
      })),
    };
  }
}

/** Resolves true after `ms` of quiet, false as soon as the token is cancelled (the writer typed again). */
function quietFor(ms: number, token: monaco.CancellationToken): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(true);
    }, ms);
    const subscription = token.onCancellationRequested(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve(false);
    });
  });
}
