import type { TFunction } from 'i18next';
import type { DraftExportResult } from '../../electron/shared/drafts-api.js';

/**
 * Server mode hands the export to the browser: a Blob and a download link, so the file goes wherever the
 * browser saves downloads and the server never writes anywhere. A PDF is the browser's print of the HTML
 * export (its print dialog offers "Save as PDF"). Returns what happened, in words.
 */
export function deliverExport(result: DraftExportResult, t: TFunction, doc: Document = document): string {
  switch (result.kind) {
    case 'saved':
      return t('export.saved', { file: result.fileName });
    case 'cancelled':
      return t('export.cancelled');
    case 'download': {
      const bytes = Uint8Array.from(atob(result.base64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: result.mimeType }));
      const link = doc.createElement('a');
      link.href = url;
      link.download = result.fileName;
      link.style.display = 'none';
      doc.body.append(link);
      link.click();
      link.remove();
      // The download has its own reference to the blob by now; a minute is plenty on a slow disk.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return t('export.downloaded', { file: result.fileName });
    }
    case 'print': {
      const frame = doc.createElement('iframe');
      frame.className = 'print-frame';
      frame.title = result.fileName;
      frame.srcdoc = result.html;
      frame.addEventListener('load', () => {
        frame.contentWindow?.print();
        setTimeout(() => frame.remove(), 60_000);
      });
      doc.body.append(frame);
      return t('export.print');
    }
  }
}
