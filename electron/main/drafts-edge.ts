/**
 * The drafts' Electron edge: the save dialog that decides where an export goes (the renderer never names a
 * path), printToPDF of the HTML export in a hidden window, and the folder dialog for the library.
 */
import { BrowserWindow, dialog } from 'electron';
import { writeFile } from 'node:fs/promises';
import type { SavedFileType } from '../services/drafts-service.js';
import type { MainWords } from './menu.js';
import { withPrivateTempFile } from './private-temp-file.js';

/** The extensions each file type's filter shows; its name is in the interface's language (MainWords.fileTypes). */
const EXTENSIONS: Record<SavedFileType, string[]> = {
  txt: ['txt'],
  md: ['md'],
  html: ['html'],
  docx: ['docx'],
  epub: ['epub'],
  pdf: ['pdf'],
  lorebook: ['json', 'lorebook'],
};

export async function saveExportWithDialog(
  words: () => MainWords,
  suggestedName: string,
  format: SavedFileType,
  bytes: Uint8Array,
): Promise<string | null> {
  const parent = BrowserWindow.getFocusedWindow();
  const { exportDraft, fileTypes } = words();
  const filter = { name: fileTypes[format], extensions: EXTENSIONS[format] };
  const options = { title: exportDraft, defaultPath: suggestedName, filters: [filter] };
  const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
  if (result.canceled || !result.filePath) return null;
  await writeFile(result.filePath, bytes);
  return result.filePath;
}

/**
 * Prints the HTML export in a hidden, sandboxed window with scripts off; the page is our own HTML, never the
 * web. It loads from a private temporary file: a data: URL is capped at 2 MB, too small for a long draft.
 */
export async function printHtmlToPdf(html: string): Promise<Uint8Array> {
  return withPrivateTempFile('export.html', html, async (path) => {
    const window = new BrowserWindow({
      show: false,
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
    });
    try {
      await window.loadFile(path);
      return new Uint8Array(await window.webContents.printToPDF({ printBackground: true, pageSize: 'A5' }));
    } finally {
      window.destroy();
    }
  });
}

/** Electron's folder dialog for a new library folder. */
export async function chooseLibraryFolder(words: MainWords): Promise<string | null> {
  const parent = BrowserWindow.getFocusedWindow();
  const options = { title: words.chooseDraftsFolderTitle, properties: ['openDirectory' as const, 'createDirectory' as const] };
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}
