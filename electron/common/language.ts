import type { LanguagePreference, UiLanguage } from './settings.js';

/**
 * The interface language for a list of BCP 47 tags in order of preference (navigator.languages: the system's
 * languages under Electron, the browser's in server mode). The first tag whose language Kaituhi speaks decides;
 * any Chinese (zh, zh-TW, zh-Hans-SG…) gets Simplified Chinese, the only Chinese interface there is.
 */
export function matchUiLanguage(tags: readonly string[]): UiLanguage {
  for (const tag of tags) {
    const language = primaryLanguage(tag);
    if (language === 'zh') return 'zh-CN';
    if (language === 'en') return 'en';
  }
  return 'en';
}

export function resolveUiLanguage(preference: LanguagePreference, systemTags: readonly string[]): UiLanguage {
  return preference === 'system' ? matchUiLanguage(systemTags) : preference;
}

function primaryLanguage(tag: string): string | null {
  try {
    return new Intl.Locale(tag).language;
  } catch {
    return null;
  }
}
