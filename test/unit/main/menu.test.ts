/** The application menu in the interface's language: every item labelled, in English or in Chinese throughout. */
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../../electron/common/drafts.js';
import { draftMenuItems, draftsFolderFailure, MAIN_WORDS, mainWords, menuTemplate } from '../../../electron/main/menu.js';

function labels(items: readonly MenuItemConstructorOptions[]): (string | undefined)[] {
  return items.flatMap((item) => {
    if (item.type === 'separator' || item.role === 'appMenu') return [];
    const sub = Array.isArray(item.submenu) ? labels(item.submenu) : [];
    return [item.label, ...sub];
  });
}

function template(language: 'en' | 'zh-CN', isMac: boolean): MenuItemConstructorOptions[] {
  const words = MAIN_WORDS[language];
  return menuTemplate(
    words,
    {
      draftItems: draftMenuItems(
        words,
        () => undefined,
        () => undefined,
      ),
      restartEngine: () => undefined,
    },
    isMac,
  );
}

describe('application menu', () => {
  it('labels every item, role items included (Electron would show its own English labels)', () => {
    for (const language of ['en', 'zh-CN'] as const) {
      for (const isMac of [false, true]) {
        const all = labels(template(language, isMac));
        expect(all.length).toBeGreaterThan(20);
        for (const label of all) expect(label, language).toMatch(/\S/);
      }
    }
  });

  it('is Chinese throughout in Chinese, and English in English', () => {
    const chinese = labels(template('zh-CN', false)) as string[];
    for (const label of chinese) expect(label, label).not.toMatch(/[A-Za-z]/);
    expect(chinese.slice(0, 3)).toEqual(['文件', '新建稿件', '保存']);
    expect(labels(template('en', false)).slice(0, 3)).toEqual(['File', 'New draft', 'Save']);
    // Dialog titles and the save dialog's file types too; only names (GPT-2, Word, EPUB…) stay as they are.
    const { fileTypes, ...titles } = MAIN_WORDS['zh-CN'];
    for (const text of [...Object.values(titles), ...Object.values(fileTypes)])
      expect(text.replace(/GPT-2|Markdown|Word|EPUB|PDF/, ''), text).not.toMatch(/[A-Za-z]/);
  });

  it('says in the interface’s language that the drafts folder did not change, with the services’ words after it', () => {
    const failure = new Error('Kept the current library: “Chapter 1” could not be saved (EACCES).');
    expect(draftsFolderFailure(MAIN_WORDS['zh-CN'], failure)).toBe(
      '无法切换到那个稿件文件夹。\n\nKept the current library: “Chapter 1” could not be saved (EACCES).',
    );
    expect(draftsFolderFailure(MAIN_WORDS.en, failure)).toBe(
      'Could not switch to that drafts folder.\n\nKept the current library: “Chapter 1” could not be saved (EACCES).',
    );
    // Not "Error: …", as String(error) wrote it.
    expect(draftsFolderFailure(MAIN_WORDS.en, 'EACCES')).toBe('Could not switch to that drafts folder.\n\nEACCES');
  });

  it('names every file type the save dialog saves, in each language', () => {
    const types = [...EXPORT_FORMATS, 'lorebook'].sort();
    for (const language of ['en', 'zh-CN'] as const) {
      expect(Object.keys(MAIN_WORDS[language].fileTypes).sort()).toEqual(types);
      for (const name of Object.values(MAIN_WORDS[language].fileTypes)) expect(name).toMatch(/\S/);
    }
    expect(MAIN_WORDS['zh-CN'].fileTypes.lorebook).toBe('设定集');
    expect(MAIN_WORDS.en.fileTypes.txt).toBe('Plain text');
  });

  it('follows the setting, and the system’s languages when the setting is "system"', () => {
    expect(mainWords('system', ['zh-CN', 'en-US']).file).toBe('文件');
    expect(mainWords('system', ['en-GB', 'zh-CN']).file).toBe('File');
    expect(mainWords('system', ['zh-TW']).file).toBe('文件');
    expect(mainWords('en', ['zh-CN']).file).toBe('File');
    expect(mainWords('zh-CN', ['en-US']).file).toBe('文件');
    expect(Object.keys(MAIN_WORDS['zh-CN']).sort()).toEqual(Object.keys(MAIN_WORDS.en).sort());
  });

  it('leaves Ctrl+Shift+I to the context inspector: the developer tools open with F12 (Alt+Cmd+I on macOS)', () => {
    const devTools = (isMac: boolean) =>
      template('en', isMac)
        .flatMap((item) => (Array.isArray(item.submenu) ? item.submenu : []))
        .find((item) => item.role === 'toggleDevTools');
    expect(devTools(false)?.accelerator).toBe('F12');
    expect(devTools(true)?.accelerator).toBe('Alt+Cmd+I');
    const accelerators = template('en', false)
      .flatMap((item) => (Array.isArray(item.submenu) ? item.submenu : []))
      .map((item) => item.accelerator);
    expect(accelerators).not.toContain('CmdOrCtrl+Shift+I');
  });
});
