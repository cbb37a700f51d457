/** Sizes, speeds and times as a writer reads them: "120 MB", "2.4 MB/s", "about 3 min left", in the interface's language. */
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

/** 0–100, whole numbers; 0 while the total is unknown. */
export function percent(bytes: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : 0;
}

export function deviceLabel(device: string): string {
  return device === 'cpu' ? 'CPU' : device.toUpperCase();
}
