/** The interface's string tables: every key in both languages, the plural forms each language needs, the same placeholders. */
import { describe, expect, it } from 'vitest';
import { i18n, matchUiLanguage, resolveUiLanguage, resources } from '../../../renderer/i18n/index.js';

type Table = { [key: string]: string | Table };

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(table: Table, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const tables = Object.fromEntries(
  Object.entries(resources).map(([language, { translation }]) => [language, flatten(translation as Table)]),
);
const languages = Object.keys(tables);

/** Keys with their plural suffix taken off, each with the forms the table gives. */
function bases(table: Map<string, string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const key of table.keys()) {
    const form = PLURAL.exec(key)?.[1] ?? '';
    const base = key.replace(PLURAL, '');
    out.set(base, (out.get(base) ?? new Set()).add(form));
  }
  return out;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]!).sort();
}

describe('string tables', () => {
  it('are English and Simplified Chinese', () => {
    expect(languages).toEqual(['en', 'zh-CN']);
  });

  it('have every key in every language, and no empty string', () => {
    const english = bases(tables.en!);
    for (const language of languages) {
      const table = bases(tables[language]!);
      expect([...table.keys()].sort(), language).toEqual([...english.keys()].sort());
      for (const [key, text] of tables[language]!) expect(text.trim(), `${language}: ${key}`).not.toBe('');
    }
  });

  it('give each plural the forms the language uses (Intl.PluralRules), and only those', () => {
    for (const language of languages) {
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
      for (const [base, forms] of bases(tables[language]!)) {
        if (forms.has('')) {
          expect(forms.size, `${language}: ${base} is plural and plain at once`).toBe(1);
          continue;
        }
        expect([...forms].sort(), `${language}: ${base}`).toEqual([...categories].sort());
      }
    }
    // Chinese has one form: counts never change the words around them.
    expect(new Intl.PluralRules('zh-CN').resolvedOptions().pluralCategories).toEqual(['other']);
  });

  it('use the same placeholders in every language', () => {
    for (const language of languages) {
      const byBase = new Map<string, string[]>();
      for (const [key, text] of tables[language]!) {
        const base = key.replace(PLURAL, '');
        byBase.set(base, [...new Set([...(byBase.get(base) ?? []), ...placeholders(text)])].sort());
      }
      for (const [key, text] of tables.en!) {
        const base = key.replace(PLURAL, '');
        for (const name of placeholders(text)) expect(byBase.get(base), `${language}: ${base} lacks {{${name}}}`).toContain(name);
      }
    }
  });

  it('format plurals and numbers through Intl in each language', async () => {
    const t = i18n.getFixedT('en');
    expect(t('status.words', { count: 1 })).toBe('1 word');
    expect(t('status.words', { count: 12345 })).toBe('12,345 words');
    const zh = i18n.getFixedT('zh-CN');
    expect(zh('status.words', { count: 1 })).toBe('字数 1');
    expect(zh('status.words', { count: 12345 })).toBe('字数 12,345');
    expect(zh('sidebar.trashToggle', { count: 3 })).toBe('回收站（3）');
  });
});

describe('interface language', () => {
  it('follows the first language Kaituhi speaks among the preferred ones', () => {
    expect(matchUiLanguage(['zh-CN'])).toBe('zh-CN');
    expect(matchUiLanguage(['zh-TW', 'en'])).toBe('zh-CN');
    expect(matchUiLanguage(['zh-Hant-HK'])).toBe('zh-CN');
    expect(matchUiLanguage(['en-GB', 'zh-CN'])).toBe('en');
    expect(matchUiLanguage(['fr-FR', 'zh-CN', 'en'])).toBe('zh-CN');
    expect(matchUiLanguage(['fr-FR', 'de'])).toBe('en');
    expect(matchUiLanguage(['not a tag'])).toBe('en');
    expect(matchUiLanguage([])).toBe('en');
  });

  it('takes the writer’s choice over the system’s', () => {
    expect(resolveUiLanguage('system', ['zh-CN'])).toBe('zh-CN');
    expect(resolveUiLanguage('en', ['zh-CN'])).toBe('en');
    expect(resolveUiLanguage('zh-CN', ['en-US'])).toBe('zh-CN');
  });
});
