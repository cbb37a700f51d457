import { useState } from 'react';
import type { KaituhiApi } from '../../electron/shared/api.js';
import type { ExportFormat, SpanMode } from '../../electron/shared/drafts-api.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { deliverExport } from './export-delivery.js';
import { SidePanel } from '../panels/SidePanel.js';

export interface ExportPanelProps {
  api: Pick<KaituhiApi, 'drafts'>;
  draftId: string;
  draftTitle: string;
  onClose(): void;
}

const FORMATS: readonly { value: ExportFormat; label: string }[] = [
  { value: 'docx', label: 'Word (.docx)' },
  { value: 'epub', label: 'EPUB 3 (.epub)' },
  { value: 'pdf', label: 'PDF (.pdf)' },
  { value: 'html', label: 'Web page (.html)' },
  { value: 'md', label: 'Markdown (.md)' },
  { value: 'txt', label: 'Plain text (.txt)' },
];

const SPAN_MODES: readonly { value: SpanMode; label: string }[] = [
  { value: 'keep', label: 'Keep as written' },
  { value: 'mark', label: 'Mark them' },
  { value: 'strip', label: 'Leave them out' },
];

/** Format and options; the file goes through the app's save dialog (Electron) or the browser's download. */
export function ExportPanel({ api, draftId, draftTitle, onClose }: ExportPanelProps) {
  const [format, setFormat] = useState<ExportFormat>('docx');
  const [title, setTitle] = useState(draftTitle);
  const [author, setAuthor] = useState('');
  const [chapterBreaks, setChapterBreaks] = useState(true);
  const [modelSpans, setModelSpans] = useState<SpanMode>('keep');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  const exportNow = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      const result = await api.drafts.exportDraft({
        id: draftId,
        format,
        options: { title: title.trim() || draftTitle, ...(author.trim() ? { author: author.trim() } : {}), chapterBreaks, modelSpans },
      });
      setOutcome({ ok: true, text: deliverExport(result) });
    } catch (error) {
      setOutcome({ ok: false, text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel title="Export" className="export-panel" testId="export-panel" closeLabel="Close" onClose={onClose}>
      <label className="field">
        Format
        <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)} data-testid="export-format">
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Title
        <input value={title} onChange={(event) => setTitle(event.target.value)} data-testid="export-title" />
      </label>
      <label className="field">
        Author
        <input value={author} onChange={(event) => setAuthor(event.target.value)} placeholder="optional" data-testid="export-author" />
      </label>
      <label className="inline-field">
        <input type="checkbox" checked={chapterBreaks} onChange={(event) => setChapterBreaks(event.target.checked)} />
        New chapter at each # heading
      </label>
      <fieldset className="span-modes">
        <legend>Text the model wrote</legend>
        {SPAN_MODES.map((mode) => (
          <label key={mode.value} className="inline-field">
            <input
              type="radio"
              name="model-spans"
              value={mode.value}
              checked={modelSpans === mode.value}
              onChange={() => setModelSpans(mode.value)}
            />
            {mode.label}
          </label>
        ))}
      </fieldset>
      <button type="button" className="primary-button" disabled={busy} onClick={() => void exportNow()} data-testid="export-button">
        {busy ? 'Exporting…' : 'Export'}
      </button>
      {outcome && (
        <p className={outcome.ok ? 'hint' : 'panel-problem'} role={outcome.ok ? 'status' : 'alert'} data-testid="export-outcome">
          {outcome.text}
        </p>
      )}
    </SidePanel>
  );
}
