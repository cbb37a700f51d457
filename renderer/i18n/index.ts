/**
 * The interface's languages: i18next with react-i18next, one string table per language (locales/*.json), plurals
 * and numbers through Intl (i18next's plural resolver uses Intl.PluralRules, its `number` format Intl.NumberFormat).
 * English is the fallback for anything a table lacks.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { LanguagePreference, UiLanguage } from '../../electron/shared/api.js';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { resolveUiLanguage } from '../../electron/common/language.js';

export { matchUiLanguage, resolveUiLanguage } from '../../electron/common/language.js';

export const resources = { en: { translation: en }, 'zh-CN': { translation: zhCN } } as const;

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources,
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: ['en', 'zh-CN'],
  // React escapes what it renders; escaping here too would show &amp; in the page.
  interpolation: { escapeValue: false },
  returnNull: false,
  // Resources are bundled, so init finishes before the first render (no flash of keys).
  initAsync: false,
});

/** The system's (Electron) or the browser's (server mode) languages, most preferred first. */
export function systemLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages.length > 0 ? navigator.languages : [navigator.language];
}

/** Switches the interface to the writer's choice; the page's lang follows, so fonts and line breaking do too. */
export function applyLanguage(preference: LanguagePreference, tags: readonly string[] = systemLanguages()): UiLanguage {
  const language = resolveUiLanguage(preference, tags);
  if (i18n.language !== language) void i18n.changeLanguage(language);
  if (typeof document !== 'undefined') document.documentElement.lang = language;
  return language;
}

/** Numbers as the interface's language writes them (1,234 / 1,234.5). */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(i18n.language, options).format(value);
}

/** "A, B and C" / "A、B和C": a list as the interface's language joins one. */
export function formatList(items: readonly string[]): string {
  return new Intl.ListFormat(i18n.language, { style: 'long', type: 'conjunction' }).format(items);
}
