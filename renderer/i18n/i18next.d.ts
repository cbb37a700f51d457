import 'i18next';
import type en from './locales/en.json';

// Typed keys: t('toolbar.export') is checked against the English table, the one every language must match.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}
