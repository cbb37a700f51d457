import type { EngineState, GenerationStats } from '../../electron/shared/api.js';
import type { LinkStatus } from '../transport/message-link.js';

export interface StatusBarProps {
  engine: EngineState;
  stats: GenerationStats | null;
  words: number;
  link: LinkStatus;
}

const STATUS_WORDS: Record<EngineState['status'], string> = {
  'no-model': 'No model',
  loading: 'Loading model…',
  ready: 'Ready',
  failed: 'Model failed to load',
  restarting: 'Engine restarting…',
};

/** One quiet line at the bottom: words, model, device (why not the GPU, on hover), speed, window use. */
export function StatusBar({ engine, stats, words, link }: StatusBarProps) {
  const info = engine.info;
  const deviceTitle = info?.fallbackReason ? `Fell back: ${info.fallbackReason}` : info ? `Running on ${info.device}` : undefined;
  const contextWindow = stats?.contextWindow ?? info?.contextWindow ?? 1024;
  return (
    <footer className="status-bar" role="status" aria-label="Status">
      <span data-testid="word-count">
        {words.toLocaleString()} {words === 1 ? 'word' : 'words'}
      </span>
      <span className="spacer" />
      {link !== 'open' && <span className="status-warn">{link === 'connecting' ? 'Connecting…' : 'Disconnected, retrying…'}</span>}
      {engine.status !== 'ready' && <span data-testid="engine-status">{STATUS_WORDS[engine.status]}</span>}
      {info && (
        <span data-testid="model-name" title={info.modelDir}>
          {info.modelName} · {info.precision}
        </span>
      )}
      {info && (
        <span data-testid="device" title={deviceTitle} className={info.fallbackReason ? 'fallback' : undefined}>
          {info.device.toUpperCase()}
          {info.fallbackReason ? ' (fallback)' : ''}
        </span>
      )}
      <span data-testid="tokens-per-second" title="Speed of the last generation">
        {stats ? `${stats.tokensPerSecond.toFixed(1)} tok/s` : '– tok/s'}
      </span>
      <span data-testid="context-use" title="How much of the model's window the last prompt used">
        {stats ? `${stats.contextTokens} / ${contextWindow}` : `– / ${contextWindow}`} ctx
      </span>
    </footer>
  );
}
