import { DraftError } from '../errors.js';
import { buildDocument } from './document.js';
import { exportDocx } from './docx.js';
import { exportEpub } from './epub.js';
import { renderHtml } from './html.js';
import { resolveOptions, type ExportFormat, type ExportOptions, type ExportSource } from './options.js';
import { exportMd, exportTxt } from './plain.js';

export type { ExportFormat, ExportOptions, ExportSource, SpanMode } from './options.js';

/** Prints a standalone HTML page to PDF bytes: Electron's webContents.printToPDF in the app, Chromium in tests. */
export type PrintHtmlToPdf = (html: string) => Promise<Uint8Array>;

export interface ExportResult {
  bytes: Uint8Array;
  mimeType: string;
  /** Without the dot; the main process suggests `<title>.<extension>` in its save dialog. */
  extension: ExportFormat;
}

const mimeTypes: Record<ExportFormat, string> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  epub: 'application/epub+zip',
  pdf: 'application/pdf',
};

/** The HTML the PDF export prints; exposed so the app can print it in a hidden window. */
export function exportHtmlString(source: ExportSource, options: ExportOptions = {}): string {
  const o = resolveOptions(source, options, false);
  return renderHtml(buildDocument(source.text, source.modelSpans, o.modelSpans, o.chapterBreaks), o);
}

/**
 * One entry point for every format. Returns bytes only: where they go is the main process's business
 * (its save dialog), so no path from the renderer ever reaches this code.
 */
export async function exportDraft(
  format: ExportFormat,
  source: ExportSource,
  options: ExportOptions = {},
  deps: { printHtmlToPdf?: PrintHtmlToPdf } = {},
): Promise<ExportResult> {
  const plain = format === 'txt' || format === 'md';
  const o = resolveOptions(source, options, plain);
  const result = (bytes: Uint8Array): ExportResult => ({ bytes, mimeType: mimeTypes[format], extension: format });
  if (format === 'txt') return result(exportTxt(source.text, source.modelSpans, o));
  if (format === 'md') return result(exportMd(source.text, source.modelSpans, o));
  const chapters = buildDocument(source.text, source.modelSpans, o.modelSpans, o.chapterBreaks);
  switch (format) {
    case 'html':
      return result(Buffer.from(renderHtml(chapters, o), 'utf8'));
    case 'docx':
      return result(await exportDocx(chapters, o));
    case 'epub':
      return result(await exportEpub(chapters, o, `${o.title}\n${o.author ?? ''}\n${source.text}`));
    case 'pdf': {
      if (!deps.printHtmlToPdf)
        throw new DraftError('invalid-input', 'PDF export needs a printer (printHtmlToPdf: Electron printToPDF or Chromium).');
      const bytes = await deps.printHtmlToPdf(renderHtml(chapters, o));
      if (bytes.byteLength < 5 || Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-')
        throw new DraftError('io', 'Could not export the PDF: the printer did not return a PDF file.');
      return result(bytes);
    }
  }
}
