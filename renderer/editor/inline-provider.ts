import type { GenerationStats, KaituhiApi, Settings } from '../../electron/shared/api.js';
import { monaco } from './monaco.js';
import { recordInlineRequest } from './diagnostics.js';
import { i18n } from '../i18n/index.js';
import { promptStart } from '../../electron/common/prompt-window.js';
import { isSuggestionSpot, splitTrailingSpaces, usableAlternatives } from './prompt-text.js';
import { HISTORY_LIMITS } from '../../electron/common/history.js';
import type { ShownSuggestions } from './shown-suggestions.js';

export interface InlineProviderDeps {
  api: KaituhiApi;
  settings(): Settings;
  /** The draft's story memory, pinned ahead of the context by the engine ('' for none). */
  memory(): string;
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
  /** Suggestions just shown (fresh from the engine, not from the cache): the history tree records them. */
  onShown?(shown: ShownSuggestions): void;
}

type Items = monaco.languages.InlineCompletions;

/**
 * Ghost text from the engine. Monaco calls this on every edit and cancels the token on the next one; we
 * wait out the debounce on that token, pass the cancellation on to the engine, and drop any answer that
 * arrives for a document version that is no longer current. The last answer is kept, so cycling
 * alternatives (which re-asks explicitly) does not start a new generation.
 */
export function createInlineProvider(deps: InlineProviderDeps): monaco.languages.InlineCompletionsProvider<Items> {
  let cache: { key: string; items: Items } | null = null;

  return {
    displayName: 'Kaituhi',
    async provideInlineCompletions(model, position, context, token): Promise<Items> {
      const none: Items = { items: [] };
      const settings = deps.settings();
      if (!settings.inline.enabled || !deps.engineReady() || deps.hasSelection() || deps.composing()) return none;
      if (!isSuggestionSpot(model.getLineContent(position.lineNumber).slice(position.column - 1))) return none;

      const version = model.getVersionId();
      const key = `${model.uri.toString()}@${version}:${model.getOffsetAt(position)}`;
      if (cache?.key === key) return cache.items;

      const explicit = context.triggerKind === monaco.languages.InlineCompletionTriggerKind.Explicit;
      if (!explicit && !(await quietFor(settings.inline.debounceMs, token))) return none;
      // A composition may have begun during the pause without changing the text yet.
      if (deps.composing()) return none;

      const before = model.getValueInRange(
        monaco.Range.fromPositions(model.getPositionAt(promptStart(model.getOffsetAt(position))), position),
      );
      const { prompt, trailing } = splitTrailingSpaces(before);
      if (prompt.trim().length === 0) return none;

      const record = recordInlineRequest(version, before);
      const memory = deps.memory();
      const handle = deps.api.generate({
        ...(memory ? { memory } : {}),
        context: prompt,
        maxTokens: settings.inline.maxTokens,
        candidates: settings.inline.alternatives,
        sampler: settings.sampler,
        stopAt: settings.inline.length,
        // Ghost text shows only the finished alternatives: their tokens need not cross two processes one by one.
        stream: false,
        // What the model weighed at each token: the accepted words keep it, for their alternatives.
        topAlternatives: HISTORY_LIMITS.alternatives,
      });
      const subscription = token.onCancellationRequested(() => handle.cancel());
      const outcome = await handle.finished.finally(() => subscription.dispose());

      if (token.isCancellationRequested || outcome.cancelled) {
        record.outcome = 'cancelled';
        return none;
      }
      if (model.isDisposed() || model.getVersionId() !== version || deps.composing()) {
        record.outcome = 'stale';
        return none;
      }
      if (outcome.error) {
        record.outcome = 'error';
        record.error = outcome.error;
        return none;
      }
      if (outcome.stats) deps.onStats(outcome.stats);
      const alternatives = usableAlternatives(outcome.texts, trailing);
      record.alternatives = alternatives;
      record.outcome = alternatives.length > 0 ? 'shown' : 'empty';
      const at = new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column);
      const offset = model.getOffsetAt(position);
      const items: Items = {
        items: alternatives.map((text) => ({
          insertText: text,
          range: at,
          command: { id: deps.markCommandId, title: i18n.t('editor.markModelText'), arguments: [offset, text] },
        })),
      };
      cache = { key, items };
      if (alternatives.length > 0) deps.onShown?.({ offset, trailing, texts: outcome.texts, tokens: outcome.tokens });
      return items;
    },
    handlePartialAccept(_completions, item) {
      const [offset, text] = (item.command?.arguments ?? []) as [number?, string?];
      if (typeof offset === 'number' && typeof text === 'string') deps.markAccepted(offset, text);
    },
    disposeInlineCompletions() {
      // Items hold no resources; the cache is replaced on the next distinct request.
    },
  };
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
