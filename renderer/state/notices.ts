import type { TFunction } from 'i18next';
import type { AppMode, EngineFailure, EngineState, RemoteEngineStatus, SettingsNotice, SettingsState } from '../../electron/shared/api.js';
import type { LinkStatus } from '../transport/message-link.js';
import type { Notice } from '../panels/NoticeBar.js';

/** The ways out a notice may offer; a notice whose way is not given says what to do in words only. */
export interface NoticeActions {
  /** Back from a server engine to this computer's. */
  readonly useThisComputer?: () => void;
  /** Starts an engine that was given up on again (the Restart engine command). */
  readonly restartEngine?: () => void;
}

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
  { useThisComputer, restartEngine }: NoticeActions = {},
): Notice[] {
  const notices: Notice[] = [];
  if (link === 'closed') notices.push({ id: 'link', tone: 'warning', text: t('notices.link'), dismissible: false });
  const remote = engine?.remote ?? null;
  if (engine && remote) {
    const notice = remoteNotice(engine.status, remote, t, useThisComputer);
    if (notice) notices.push(notice);
  } else if (engine) {
    if (engine.status === 'no-model')
      notices.push({
        id: 'no-model',
        tone: 'info',
        text: t(mode === 'server' ? 'notices.noModelServer' : 'notices.noModel'),
        dismissible: true,
      });
    else if (engine.status === 'failed') notices.push(failureNotice(engine, t, restartEngine));
    else if (engine.status === 'restarting')
      notices.push({
        id: `restarting-${engine.restarts}`,
        tone: 'warning',
        text: engine.restartInSeconds != null ? t('notices.restartingIn', { count: engine.restartInSeconds }) : t('notices.restarting'),
        dismissible: false,
      });
    else if (engine.status === 'ready' && engine.message)
      notices.push({ id: `restarted-${engine.restarts}`, tone: 'info', text: t('notices.restarted'), dismissible: true });
  }
  if (settings?.notice) notices.push({ id: 'settings', tone: 'warning', text: settingsNoticeText(settings.notice, t), dismissible: true });
  return notices;
}

/** The settings file was not used: why and what became of it, in the interface's words; the reader's own words as the detail. */
export function settingsNoticeText({ problem, detail, keptAs }: SettingsNotice, t: TFunction): string {
  if (problem === 'unreadable') return t('notices.settingsUnreadable', { detail });
  return keptAs === null ? t('notices.settingsDamaged', { detail }) : t('notices.settingsDamagedKept', { detail, file: keptAs });
}

/**
 * This computer's engine is down: why, in the interface's words, and what the writer can do about it (another
 * model, or Restart engine after repeated crashes). A state without a `failure` is read as a failed load, with
 * the services' message as its detail.
 */
function failureNotice(engine: EngineState, t: TFunction, restartEngine?: () => void): Notice {
  const failure: EngineFailure = engine.failure ?? { kind: 'load-failed', detail: engine.message ?? '' };
  const base = { id: `failed-${failure.kind}-${engine.modelDir ?? ''}`, tone: 'error' as const, dismissible: true };
  const detail = failure.detail;
  if (failure.kind === 'crashed-repeatedly') {
    const action = restartEngine ? { label: t('notices.restartEngine'), testId: 'restart-engine', run: restartEngine } : undefined;
    return { ...base, text: t('notices.crashedRepeatedly', { detail }), ...(action ? { action } : {}) };
  }
  return { ...base, text: t(failure.kind === 'died-loading' ? 'notices.diedLoading' : 'notices.failed', { detail }) };
}

/**
 * A server engine that is down, refusing or slow: what happened in the interface's words (with the server's own
 * words as the detail), and the way back to this computer.
 */
function remoteNotice(
  status: EngineState['status'],
  remote: RemoteEngineStatus,
  t: TFunction,
  useThisComputer?: () => void,
): Notice | null {
  if (remote.problem === null) return null;
  const action = useThisComputer ? { label: t('notices.useThisComputer'), testId: 'use-this-computer', run: useThisComputer } : undefined;
  const server = remote.url;
  const base = { id: `remote-${remote.problem}-${status}-${server}`, ...(action ? { action } : {}) };
  if (remote.problem === 'slow') {
    return { ...base, tone: 'warning', text: t('notices.remoteSlow', { server, ms: remote.latencyMs ?? 0 }), dismissible: true };
  }
  const detail = remote.detail ?? '';
  if (status === 'failed') {
    const key = remote.problem === 'unreachable' ? 'notices.remoteDown' : 'notices.remoteRefuses';
    return { ...base, tone: 'error', text: t(key, { server, detail }), dismissible: false };
  }
  return { ...base, tone: 'warning', text: t('notices.remoteRefusedOne', { server, detail }), dismissible: true };
}
