import { useTranslation } from 'react-i18next';
import type { EngineState, GenerationStats } from '../../electron/shared/api.js';
import type { LinkStatus } from '../transport/message-link.js';
import { formatNumber } from '../i18n/index.js';

export interface StatusBarProps {
  engine: EngineState;
  stats: GenerationStats | null;
  words: number;
  link: LinkStatus;
  /** Work the writer started and is waiting for (an alternative being written out), in words. */
  activity?: string | null;
}

/** One quiet line at the bottom: words, model, device (why not the GPU, on hover), speed, window use. */
export function StatusBar({ engine, stats, words, link, activity }: StatusBarProps) {
  const { t } = useTranslation();
  const info = engine.info;
  const deviceTitle = info?.fallbackReason
    ? t('status.fellBack', { reason: info.fallbackReason })
    : info
      ? t('status.runningOn', { device: info.device })
      : undefined;
  const contextWindow = stats?.contextWindow ?? info?.contextWindow ?? 1024;
  return (
    <footer className="status-bar" role="status" aria-label={t('status.label')}>
      <span data-testid="word-count">{t('status.words', { count: words })}</span>
      <span className="spacer" />
      {activity && <span data-testid="activity">{activity}</span>}
      {link !== 'open' && <span className="status-warn">{link === 'connecting' ? t('status.connecting') : t('status.disconnected')}</span>}
      {engine.status !== 'ready' && <span data-testid="engine-status">{t(`status.engine.${engine.status}`)}</span>}
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
