import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ContextLeftOut, ContextView, KaituhiApi, PrefillRequest } from '../../electron/shared/api.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { SidePanel } from '../panels/SidePanel.js';

export interface ContextInspectorProps {
  api: { readonly app: Pick<KaituhiApi['app'], 'inspectContext'> };
  engineReady: boolean;
  /**
   * The engine is another server: its tokenizer is out of reach, so there is no window to show (the services refuse
   * to build one); the panel says so in the interface's language instead of asking.
   */
  serverEngine?: boolean;
  /** What the next suggestion would send now, or null without an open draft. */
  request(): PrefillRequest | null;
  /** Bumped when the text, the cursor, the story context or the engine's cache may have changed. */
  version: number;
  onClose(): void;
}

/** A pause before asking again while the writer types: the view follows, it does not race the keys. */
const REFRESH_DELAY_MS = 300;

const BAR_PARTS = ['start', 'memory', 'lore', 'note', 'story', 'reserved', 'free'] as const;
type BarPart = (typeof BAR_PARTS)[number];

/**
 * The context inspector: the exact tokens of the next suggestion, coloured by where they come from, the window's
 * positions by use, what was left out and why, and which tokens the engine reuses from its cache. The engine
 * builds the view with the same assembly generation uses (Engine.inspectContext), so it cannot disagree with it.
 */
export function ContextInspector(props: ContextInspectorProps) {
  const { t } = useTranslation();
  const { api, version } = props;
  const serverEngine = props.serverEngine === true;
  const engineReady = props.engineReady && !serverEngine;
  const [view, setView] = useState<ContextView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const requestOf = props.request;

  useEffect(() => {
    if (!engineReady) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      const request = requestOf();
      if (!request) return;
      api.app.inspectContext({ request }).then(
        (next) => {
          if (cancelled) return;
          setView(next);
          setProblem(null);
        },
        (error: unknown) => !cancelled && setProblem(errorMessage(error)),
      );
    }, REFRESH_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, engineReady, version, requestOf]);

  return (
    <SidePanel
      title={t('inspector.title')}
      className="inspector-panel"
      testId="inspector-panel"
      closeLabel={t('panel.close')}
      onClose={props.onClose}
    >
      <p className="panel-hint">{t('inspector.hint')}</p>
      {serverEngine && (
        <p className="hint" data-testid="inspector-server-engine">
          {t('inspector.serverEngine')}
        </p>
      )}
      {!engineReady && !serverEngine && <p className="hint">{t('inspector.noModel')}</p>}
      {problem && (
        <p className="panel-problem" role="alert">
          {problem}
        </p>
      )}
      {engineReady && !view && !problem && <p className="hint">{t('inspector.reading')}</p>}
      {engineReady && view && <ViewDetails view={view} t={t} />}
    </SidePanel>
  );
}

function ViewDetails({ view, t }: { view: ContextView; t: TFunction }) {
  const used = view.budget.start + view.budget.memory + view.budget.lore + view.budget.note + view.budget.story;
  const sizes: Record<BarPart, number> = {
    ...view.budget,
    free: Math.max(0, view.contextWindow - used - view.budget.reserved),
  };
  const recompute = view.promptTokens - view.reusedTokens;
  let index = 0;
  return (
    <>
      <p data-testid="inspector-summary">{t('inspector.summary', { prompt: view.promptTokens, reused: view.reusedTokens, recompute })}</p>
      {view.rereadFrom && (
        <p className="inspector-warning" role="alert" data-testid="inspector-warning">
          {rereadLine(view.rereadFrom, recompute, t)}
        </p>
      )}
      <h3>{t('inspector.window', { window: view.contextWindow })}</h3>
      <div className="budget-bar" data-testid="budget-bar">
        {BAR_PARTS.filter((part) => sizes[part] > 0).map((part) => (
          <div
            key={part}
            className={`budget-part src-${part}`}
            style={{ width: `${(100 * sizes[part]) / view.contextWindow}%` }}
            title={`${t(`inspector.sources.${part}`)}: ${sizes[part]}`}
            data-part={part}
            data-size={sizes[part]}
          />
        ))}
      </div>
      <ul className="budget-legend" data-testid="budget-legend">
        {BAR_PARTS.filter((part) => part !== 'start' || sizes.start > 0).map((part) => (
          <li key={part} data-part={part}>
            <span className={`legend-swatch src-${part}`} />
            {t(`inspector.sources.${part}`)} {sizes[part]}
          </li>
        ))}
      </ul>
      <h3>{t('inspector.leftOut')}</h3>
      <ul className="inspector-left-out" data-testid="inspector-left-out">
        {view.leftOut.length === 0 && <li className="hint">{t('inspector.nothingLeftOut')}</li>}
        {view.leftOut.map((item, i) => (
          <li key={i}>{leftOutLine(item, t)}</li>
        ))}
      </ul>
      <h3>{t('inspector.tokens')}</h3>
      <p className="hint">
        <span className="token reused">{t('inspector.reusedLegend')}</span> <span className="token">{t('inspector.recomputeLegend')}</span>
      </p>
      <div className="inspector-tokens" data-testid="inspector-tokens">
        {view.segments.map((segment, s) => (
          <div key={s} className={`inspector-segment src-${segment.source}`} data-source={segment.source} data-testid="inspector-segment">
            <div className="inspector-label">
              {t(`inspector.sources.${segment.source}`)}
              {segment.title !== undefined && <span className="lore-data"> · {segment.title}</span>}
              <span className="hint"> · {t('inspector.tokenCount', { count: segment.tokenIds.length })}</span>
            </div>
            <div className="inspector-pieces">
              {segment.pieces.map((piece, p) => {
                const reused = index++ < view.reusedTokens;
                return (
                  <span key={p} className={reused ? 'token reused' : 'token'} title={`#${segment.tokenIds[p]}`}>
                    {/* A marker such as [CLS] has no text of its own: its id stands for it. */}
                    {piece === '' && segment.source === 'start' ? `⟨#${segment.tokenIds[p]}⟩` : piece}
                  </span>
                );
              })}
            </div>
          </div>
        ))}
      </div>
    </>
  );
}

/** Why the next suggestion re-reads the window, and how many tokens. */
function rereadLine(from: NonNullable<ContextView['rereadFrom']>, tokens: number, t: TFunction): string {
  if (from.source === 'memory') return t(from.change === 'removed' ? 'inspector.memoryRemoved' : 'inspector.rereadMemory', { tokens });
  const key = ({ edited: 'inspector.rereadLore', entered: 'inspector.loreEntered', left: 'inspector.loreLeft' } as const)[from.change];
  return t(key, { title: from.title, tokens });
}

function leftOutLine(item: ContextLeftOut, t: TFunction): string {
  if (item.source === 'story') return t('inspector.beforeWindow', { chars: item.chars ?? 0, tokens: item.tokens });
  if (item.source === 'memory') return t('inspector.memoryCut', { tokens: item.tokens });
  const what = item.source === 'lore' ? t('inspector.loreEntry', { title: item.title ?? '' }) : t('inspector.sources.note');
  return t('inspector.overBudget', { what, tokens: item.tokens });
}
