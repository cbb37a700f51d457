import { useTranslation } from 'react-i18next';
import type { EngineState, GenerationStats } from '../../electron/shared/api.js';
import type { LinkStatus } from '../transport/message-link.js';
import { formatNumber } from '../i18n/index.js';
import type { SuggestionMode } from '../../electron/common/suggestion-mode.js';
import type { FilterCounts } from '../editor/suggestion-filters.js';

export interface StatusBarProps {
  engine: EngineState;
  stats: GenerationStats | null;
  words: number;
  link: LinkStatus;
  /** Ghost text: the mode in effect, and how often each filter kept a suggestion off the screen (on hover). */
  suggestions: { mode: SuggestionMode; filtered: FilterCounts };
  /** Work the writer started and is waiting for (an alternative being written out), in words. */
  activity?: string | null;
  /** The sampler preset in use, by name in the interface's language ("Custom" once a knob was set by hand). */
  preset?: string;
}

/** The server's host and port, for the status bar: the whole URL is on hover. */
function serverName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * One quiet line at the bottom: words, ghost-text mode (what the filters dropped, on hover), model, device (why not
 * the GPU, on hover), speed, window use. With a server engine: the server, its model and its latency instead of the
 * device.
 */
export function StatusBar({ engine, stats, words, link, suggestions, activity, preset }: StatusBarProps) {
  const { t } = useTranslation();
  const info = engine.info;
  const remote = engine.remote ?? null;
  const deviceTitle = info?.fallbackReason
    ? t('status.fellBack', { reason: info.fallbackReason })
    : info
      ? t('status.runningOn', { device: info.device })
      : undefined;
  const contextWindow = stats?.contextWindow ?? info?.contextWindow ?? remote?.contextWindow ?? 1024;
  return (
    <footer className="status-bar" role="status" aria-label={t('status.label')}>
      <span data-testid="word-count">{t('status.words', { count: words })}</span>
      <span className="spacer" />
      <span
        data-testid="ghost-status"
        title={t('status.filteredTitle', {
          blank: suggestions.filtered.blank,
          repeat: suggestions.filtered.repeat,
          endOfText: suggestions.filtered['end-of-text'],
          splitWord: suggestions.filtered['split-word'],
        })}
      >
        {t(`status.ghostMode.${suggestions.mode}`)}
      </span>
      {preset !== undefined && (
        <span data-testid="preset-status" title={t('status.presetTitle')}>
          {t('status.preset', { name: preset })}
        </span>
      )}
      {activity && <span data-testid="activity">{activity}</span>}
      {link !== 'open' && <span className="status-warn">{link === 'connecting' ? t('status.connecting') : t('status.disconnected')}</span>}
      {engine.status !== 'ready' && (
        <span data-testid="engine-status">{t(remote ? `status.remote.${engine.status}` : `status.engine.${engine.status}`)}</span>
      )}
      {remote && (
        <span data-testid="engine-server" title={t('status.serverTitle', { url: remote.url })}>
          {serverName(remote.url)}
        </span>
      )}
      {remote?.model && (
        <span data-testid="model-name" title={remote.url}>
          {remote.model}
        </span>
      )}
      {remote && remote.latencyMs !== null && (
        <span data-testid="server-latency" title={t('status.latencyTitle')} className={remote.problem === 'slow' ? 'fallback' : undefined}>
          {t('status.latency', { ms: remote.latencyMs })}
        </span>
      )}
      {info && (
        <span data-testid="model-name" title={info.modelDir}>
          {info.modelName} · {info.precision}
        </span>
      )}
      {info && (
        <span data-testid="device" title={deviceTitle} className={info.fallbackReason ? 'fallback' : undefined}>
          {info.device.toUpperCase()}
          {info.fallbackReason ? t('status.fallback') : ''}
        </span>
      )}
      <span data-testid="tokens-per-second" title={t('status.speedTitle')}>
        {stats
          ? t('status.speed', { speed: formatNumber(stats.tokensPerSecond, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) })
          : t('status.noSpeed')}
      </span>
      <span data-testid="context-use" title={t('status.contextTitle')}>
        {stats
          ? t('status.context', { used: stats.contextTokens, window: contextWindow })
          : t('status.noContext', { window: contextWindow })}
      </span>
    </footer>
  );
}
