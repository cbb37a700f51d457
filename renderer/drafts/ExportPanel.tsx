import { useState } from 'react';
import { useTranslation } from 'react-i18next';
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

const FORMATS: readonly ExportFormat[] = ['docx', 'epub', 'pdf', 'html', 'md', 'txt'];
const SPAN_MODES: readonly SpanMode[] = ['keep', 'mark', 'strip'];

/** Format and options; the file goes through the app's save dialog (Electron) or the browser's download. */
export function ExportPanel({ api, draftId, draftTitle, onClose }: ExportPanelProps) {
  const { t } = useTranslation();
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
      setOutcome({ ok: true, text: deliverExport(result, t) });
    } catch (error) {
      setOutcome({ ok: false, text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <SidePanel title={t('export.title')} className="export-panel" testId="export-panel" closeLabel={t('panel.close')} onClose={onClose}>
      <label className="field">
        {t('export.format')}
        <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)} data-testid="export-format">
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {t(`export.formats.${f}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        {t('export.docTitle')}
        <input value={title} onChange={(event) => setTitle(event.target.value)} data-testid="export-title" />
      </label>
      <label className="field">
        {t('export.author')}
        <input
          value={author}
          onChange={(event) => setAuthor(event.target.value)}
          placeholder={t('export.optional')}
          data-testid="export-author"
        />
      </label>
      <label className="inline-field">
        <input type="checkbox" checked={chapterBreaks} onChange={(event) => setChapterBreaks(event.target.checked)} />
        {t('export.chapterBreaks')}
      </label>
      <fieldset className="span-modes">
        <legend>{t('export.modelText')}</legend>
        {SPAN_MODES.map((mode) => (
          <label key={mode} className="inline-field">
            <input type="radio" name="model-spans" value={mode} checked={modelSpans === mode} onChange={() => setModelSpans(mode)} />
            {t(`export.spanModes.${mode}`)}
          </label>
        ))}
      </fieldset>
      <button type="button" className="primary-button" disabled={busy} onClick={() => void exportNow()} data-testid="export-button">
        {busy ? t('export.exporting') : t('export.export')}
      </button>
      {outcome && (
        <p className={outcome.ok ? 'hint' : 'panel-problem'} role={outcome.ok ? 'status' : 'alert'} data-testid="export-outcome">
          {outcome.text}
        </p>
      )}
    </SidePanel>
  );
}
