/** Sizes, speeds and times as a writer reads them: "120 MB", "2.4 MB/s", "about 3 min left", in the interface's language. */
import type { StoreErrorInfo } from '../../electron/shared/api.js';
import { formatNumber, i18n } from '../i18n/index.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${formatNumber(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value < 10 ? 1 : 0;
  return `${formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${units[unit]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return i18n.t('models.eta.unknown');
  if (seconds < 60) return i18n.t('models.eta.seconds', { seconds: Math.max(1, Math.round(seconds)) });
  if (seconds < 3600) return i18n.t('models.eta.minutes', { minutes: Math.round(seconds / 60) });
  const hours = Math.floor(seconds / 3600);
  return i18n.t('models.eta.hours', { hours, minutes: Math.round((seconds - hours * 3600) / 60) });
}

/**
 * Why a download or an import failed: the reason and what to do from the store's code, in the interface's language;
 * the store's own sentence (the file, the HTTP status, the hash) only as the detail.
 */
export function storeFailureText(error: StoreErrorInfo): string {
  return i18n.t('models.failure', { reason: i18n.t(`models.errors.${error.code}`), detail: error.message });
}

/** 0–100, whole numbers; 0 while the total is unknown. */
export function percent(bytes: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : 0;
}

export function deviceLabel(device: string): string {
  return device === 'cpu' ? 'CPU' : device.toUpperCase();
}
