import type { EngineState, SettingsState } from '../../electron/shared/api.js';
import type { LinkStatus } from '../transport/message-link.js';
import type { Notice } from '../panels/NoticeBar.js';

/** The notices the current state calls for; ids change when the situation does, so a dismissal is per event. */
export function noticesFor(engine: EngineState | null, settings: SettingsState | null, link: LinkStatus): Notice[] {
  const notices: Notice[] = [];
  if (link === 'closed') {
    notices.push({
      id: 'link',
      tone: 'warning',
      text: 'Lost the connection to Kaituhi; retrying. Your text is still here.',
      dismissible: false,
    });
  }
  if (engine) {
    const text = engine.message ?? '';
    if (engine.status === 'no-model') notices.push({ id: 'no-model', tone: 'info', text, dismissible: true });
    else if (engine.status === 'failed') notices.push({ id: `failed-${engine.modelDir ?? ''}`, tone: 'error', text, dismissible: true });
    else if (engine.status === 'restarting')
      notices.push({ id: `restarting-${engine.restarts}`, tone: 'warning', text, dismissible: false });
    else if (engine.status === 'ready' && engine.message)
      notices.push({ id: `restarted-${engine.restarts}`, tone: 'info', text, dismissible: true });
  }
  if (settings?.notice) notices.push({ id: 'settings', tone: 'warning', text: settings.notice, dismissible: true });
  return notices;
}
