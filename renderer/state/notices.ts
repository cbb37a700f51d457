import type { TFunction } from 'i18next';
import type { AppMode, EngineState, SettingsState } from '../../electron/shared/api.js';
import type { LinkStatus } from '../transport/message-link.js';
import type { Notice } from '../panels/NoticeBar.js';

/**
 * The notices the current state calls for; ids change when the situation does, so a dismissal is per event. The
 * words come from the interface's string tables; only a failure's own detail (a file name, the loader's reason)
 * is shown as the services wrote it.
 */
export function noticesFor(
  engine: EngineState | null,
  settings: SettingsState | null,
  link: LinkStatus,
  t: TFunction,
  mode: AppMode = 'electron',
): Notice[] {
  const notices: Notice[] = [];
  if (link === 'closed') notices.push({ id: 'link', tone: 'warning', text: t('notices.link'), dismissible: false });
  if (engine) {
    if (engine.status === 'no-model')
      notices.push({
        id: 'no-model',
        tone: 'info',
        text: t(mode === 'server' ? 'notices.noModelServer' : 'notices.noModel'),
        dismissible: true,
      });
    else if (engine.status === 'failed')
      notices.push({
        id: `failed-${engine.modelDir ?? ''}`,
        tone: 'error',
        text: t('notices.failed', { detail: failureDetail(engine.message) }),
        dismissible: true,
      });
    else if (engine.status === 'restarting')
      notices.push({ id: `restarting-${engine.restarts}`, tone: 'warning', text: t('notices.restarting'), dismissible: false });
    else if (engine.status === 'ready' && engine.message)
      notices.push({ id: `restarted-${engine.restarts}`, tone: 'info', text: t('notices.restarted'), dismissible: true });
  }
  if (settings?.notice) notices.push({ id: 'settings', tone: 'warning', text: settings.notice, dismissible: true });
  return notices;
}

/** The engine says "The model could not be loaded: <why>"; the why is what the notice needs in any language. */
function failureDetail(message: string | null): string {
  const text = message ?? '';
  const colon = text.indexOf(': ');
  return colon >= 0 ? text.slice(colon + 2) : text;
}
