/**
 * The application menu and the main process's dialogs, in the interface's language: English or Simplified Chinese,
 * as the writer chose in Settings or, by default, as the system speaks. Electron's role items (Undo, Copy, Zoom…)
 * carry English labels of their own, so every item gets its label here. No 'electron' import beyond types: the
 * template is built and tested as plain data.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { DraftCommand, DraftPush } from '../shared/drafts-api.js';
import type { SavedFileType } from '../services/drafts-service.js';
import type { LanguagePreference, UiLanguage } from '../common/settings.js';
import { resolveUiLanguage } from '../common/language.js';
import { errorMessage } from '../common/error-message.js';

export interface MainWords {
  readonly file: string;
  readonly newDraft: string;
  readonly save: string;
  readonly snapshot: string;
  readonly export: string;
  readonly chooseDraftsFolder: string;
  readonly quit: string;
  readonly close: string;
  readonly edit: string;
  readonly undo: string;
  readonly redo: string;
  readonly cut: string;
  readonly copy: string;
  readonly paste: string;
  readonly selectAll: string;
  readonly engine: string;
  readonly restartEngine: string;
  readonly view: string;
  readonly reload: string;
  readonly devTools: string;
  readonly actualSize: string;
  readonly zoomIn: string;
  readonly zoomOut: string;
  readonly fullScreen: string;
  readonly window: string;
  readonly minimize: string;
  readonly zoom: string;
  /** Dialog titles. */
  readonly chooseModelFolder: string;
  readonly exportDraft: string;
  readonly chooseDraftsFolderTitle: string;
  readonly draftsFolder: string;
  /** The error box's sentence when the drafts folder could not be changed; the error's own words follow it. */
  readonly draftsFolderNotChanged: string;
  /** The save dialog's name for each kind of file it saves. */
  readonly fileTypes: Readonly<Record<SavedFileType, string>>;
}

/** Every language has every word: the compiler checks each table against MainWords. */
export const MAIN_WORDS: Record<UiLanguage, MainWords> = {
  en: {
    file: 'File',
    newDraft: 'New draft',
    save: 'Save',
    snapshot: 'Take snapshot',
    export: 'Export…',
    chooseDraftsFolder: 'Choose drafts folder…',
    quit: 'Quit',
    close: 'Close window',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select all',
    engine: 'Engine',
    restartEngine: 'Restart engine',
    view: 'View',
    reload: 'Reload',
    devTools: 'Developer tools',
    actualSize: 'Actual size',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    fullScreen: 'Full screen',
    window: 'Window',
    minimize: 'Minimise',
    zoom: 'Zoom',
    chooseModelFolder: 'Choose a GPT-2 model folder',
    exportDraft: 'Export draft',
    chooseDraftsFolderTitle: 'Choose the drafts folder',
    draftsFolder: 'Drafts folder',
    draftsFolderNotChanged: 'Could not switch to that drafts folder.',
    fileTypes: {
      txt: 'Plain text',
      md: 'Markdown',
      html: 'Web page',
      docx: 'Word document',
      epub: 'EPUB book',
      pdf: 'PDF',
      lorebook: 'Lorebook',
    },
  },
  'zh-CN': {
    file: '文件',
    newDraft: '新建稿件',
    save: '保存',
    snapshot: '拍快照',
    export: '导出…',
    chooseDraftsFolder: '选择稿件文件夹…',
    quit: '退出',
    close: '关闭窗口',
    edit: '编辑',
    undo: '撤销',
    redo: '重做',
    cut: '剪切',
    copy: '复制',
    paste: '粘贴',
    selectAll: '全选',
    engine: '引擎',
    restartEngine: '重启引擎',
    view: '视图',
    reload: '重新加载',
    devTools: '开发者工具',
    actualSize: '实际大小',
    zoomIn: '放大',
    zoomOut: '缩小',
    fullScreen: '全屏',
    window: '窗口',
    minimize: '最小化',
    zoom: '缩放',
    chooseModelFolder: '选择 GPT-2 模型文件夹',
    exportDraft: '导出稿件',
    chooseDraftsFolderTitle: '选择稿件文件夹',
    draftsFolder: '稿件文件夹',
    draftsFolderNotChanged: '无法切换到那个稿件文件夹。',
    fileTypes: {
      txt: '纯文本',
      md: 'Markdown 文档',
      html: '网页',
      docx: 'Word 文档',
      epub: 'EPUB 电子书',
      pdf: 'PDF 文档',
      lorebook: '设定集',
    },
  },
};

/** The words for the writer's setting, 'system' meaning the system's preferred languages (app.getPreferredSystemLanguages()). */
export function mainWords(preference: LanguagePreference, systemLanguages: readonly string[]): MainWords {
  return MAIN_WORDS[resolveUiLanguage(preference, systemLanguages)];
}

/**
 * The error box's text when choosing another drafts folder failed: the sentence in the interface's language, then the
 * services' own words (a draft that could not be saved, a file-system error) as the detail.
 */
export function draftsFolderFailure(words: MainWords, error: unknown): string {
  return `${words.draftsFolderNotChanged}\n\n${errorMessage(error)}`;
}

/** File-menu items that ask the renderer (which owns the editor) to run a drafts command. */
export function draftMenuItems(
  words: MainWords,
  send: (message: { type: 'draft'; event: DraftPush }) => void,
  chooseLibrary: () => void,
): MenuItemConstructorOptions[] {
  const command = (name: DraftCommand) => () => send({ type: 'draft', event: { kind: 'command', command: name } });
  return [
    { label: words.newDraft, accelerator: 'CmdOrCtrl+N', click: command('new-draft') },
    { label: words.save, accelerator: 'CmdOrCtrl+S', click: command('save') },
    { label: words.snapshot, click: command('snapshot') },
    { label: words.export, accelerator: 'CmdOrCtrl+Shift+E', click: command('export') },
    { type: 'separator' },
    { label: words.chooseDraftsFolder, click: chooseLibrary },
    { type: 'separator' },
  ];
}

export interface MenuActions {
  /** The drafts commands of the File menu (draftMenuItems). */
  readonly draftItems: MenuItemConstructorOptions[];
  readonly restartEngine: () => void;
}

export function menuTemplate(words: MainWords, actions: MenuActions, isMac: boolean): MenuItemConstructorOptions[] {
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: words.file,
      submenu: [
        ...actions.draftItems,
        isMac ? { role: 'close' as const, label: words.close } : { role: 'quit' as const, label: words.quit },
      ],
    },
    {
      label: words.edit,
      submenu: [
        { role: 'undo', label: words.undo },
        { role: 'redo', label: words.redo },
        { type: 'separator' },
        { role: 'cut', label: words.cut },
        { role: 'copy', label: words.copy },
        { role: 'paste', label: words.paste },
        { role: 'selectAll', label: words.selectAll },
      ],
    },
    { label: words.engine, submenu: [{ label: words.restartEngine, click: actions.restartEngine }] },
    {
      label: words.view,
      submenu: [
        { role: 'reload', label: words.reload },
        // Ctrl+Shift+I, the role's own key off macOS, opens Kaituhi's context inspector; the developer tools take F12.
        { role: 'toggleDevTools', label: words.devTools, accelerator: isMac ? 'Alt+Cmd+I' : 'F12' },
        { type: 'separator' },
        { role: 'resetZoom', label: words.actualSize },
        { role: 'zoomIn', label: words.zoomIn },
        { role: 'zoomOut', label: words.zoomOut },
        { type: 'separator' },
        { role: 'togglefullscreen', label: words.fullScreen },
      ],
    },
    {
      label: words.window,
      submenu: [
        { role: 'minimize', label: words.minimize },
        { role: 'zoom', label: words.zoom },
      ],
    },
  ];
}
