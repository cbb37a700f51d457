import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { keyProblem } from '../../electron/common/lore-keys.js';
import { importLorebook, LOREBOOK_FORMATS, mergeLorebooks, type LorebookFormat } from '../../electron/common/lore-formats.js';
import {
  LORE_LIMITS,
  newLoreEntry,
  NOTE_LIMITS,
  NOTE_UNITS,
  type AuthorNote,
  type LoreEntry,
  type Lorebook,
} from '../../electron/common/lore.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { FileImportButton, readText } from '../panels/FileImportButton.js';
import { SidePanel } from '../panels/SidePanel.js';
import { SeriesField, type SeriesFieldProps } from './SeriesField.js';

export interface LorePanelProps {
  note: AuthorNote;
  lorebook: Lorebook;
  onNote(note: AuthorNote): void;
  onLorebook(lorebook: Lorebook): void;
  /** Exports the draft's lorebook; resolves to what happened, in words. */
  onExport(format: LorebookFormat): Promise<string>;
  onClose(): void;
  /** The draft's series (drafts that share one lorebook); without it the panel shows no series field. */
  series?: SeriesFieldProps;
}

/** Entry ids: random, so two drafts' entries never share one. */
export function newEntryId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `e${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

type Limits = { readonly min: number; readonly max: number };

/** An entry's switches, each a checkbox labelled by its own key in the string tables (lore.enabled, …). */
const ENTRY_FLAGS = ['enabled', 'alwaysOn', 'caseSensitive'] as const;

/** A whole number within limits, or null. */
function wholeIn(raw: string, limits: Limits): number | null {
  const value = Number(raw);
  return raw.trim() !== '' && Number.isInteger(value) && value >= limits.min && value <= limits.max ? value : null;
}

/**
 * The author's note and the lorebook of the open draft. Edits reach the next suggestion at once; a key that cannot
 * run or a number out of range is shown and kept back until it is fixed, so the lorebook sent never holds one.
 */
export function LorePanel(props: LorePanelProps) {
  const { t } = useTranslation();
  const { note, lorebook } = props;
  // What the writer is typing where it is not (yet) valid: keys text and numbers, by field.
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<{ ok: boolean; lines: string[] } | null>(null);
  const [format, setFormat] = useState<LorebookFormat>('novelai');
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);

  const draftOf = (field: string, fallback: string): string => drafts[field] ?? fallback;
  const keep = (field: string, raw: string): void => setDrafts((current) => ({ ...current, [field]: raw }));
  const settle = (field: string): void =>
    setDrafts((current) => {
      const { [field]: _, ...rest } = current;
      return rest;
    });

  const updateEntry = (id: string, change: Partial<LoreEntry>): void =>
    props.onLorebook({ ...lorebook, entries: lorebook.entries.map((e) => (e.id === id ? { ...e, ...change } : e)) });

  /** A number field: sent when valid, otherwise kept as typed with its problem shown. */
  const numberField = (field: string, value: number, limits: Limits, apply: (n: number) => void) => ({
    value: draftOf(field, String(value)),
    onChange: (event: { target: { value: string } }) => {
      const parsed = wholeIn(event.target.value, limits);
      if (parsed === null) keep(field, event.target.value);
      else {
        settle(field);
        apply(parsed);
      }
    },
  });
  const wholeNumberInput = (label: string, field: string, value: number, limits: Limits, apply: (n: number) => void, testId?: string) => (
    <label className="inline-field">
      {label}
      <input type="number" min={limits.min} max={limits.max} data-testid={testId} {...numberField(field, value, limits, apply)} />
    </label>
  );
  const numberProblem = (field: string, limits: Limits): string | null =>
    drafts[field] !== undefined ? t('lore.wholeNumber', { min: limits.min, max: limits.max }) : null;

  const addEntry = (): void => {
    const entry = newLoreEntry(newEntryId(), { title: '' });
    props.onLorebook({ ...lorebook, entries: [...lorebook.entries, entry] });
    setOpened(entry.id);
  };

  const importFile = async (file: File): Promise<void> => {
    try {
      const imported = importLorebook(await readText(file), newEntryId);
      props.onLorebook(mergeLorebooks(lorebook, imported.lorebook, newEntryId));
      const count = imported.lorebook.entries.length;
      setOutcome({ ok: true, lines: [t('lore.imported', { count, format: t(`lore.formats.${imported.format}`) }), ...imported.warnings] });
    } catch (error) {
      setOutcome({ ok: false, lines: [errorMessage(error)] });
    }
  };

  const exportNow = async (): Promise<void> => {
    setBusy(true);
    try {
      setOutcome({ ok: true, lines: [await props.onExport(format)] });
    } catch (error) {
      setOutcome({ ok: false, lines: [errorMessage(error)] });
    } finally {
      setBusy(false);
    }
  };

  const depthLimits = NOTE_LIMITS.depth;
  return (
    <SidePanel title={t('lore.title')} className="lore-panel" testId="lore-panel" closeLabel={t('panel.close')} onClose={props.onClose}>
      <section>
        <h3>{t('lore.note')}</h3>
        <p className="hint">{t('lore.noteHint')}</p>
        <textarea
          className="memory-input lore-data"
          rows={3}
          maxLength={NOTE_LIMITS.textChars}
          value={note.text}
          aria-label={t('lore.note')}
          data-testid="note-input"
          onChange={(event) => props.onNote({ ...note, text: event.target.value })}
        />
        <div className="lore-row">
          {wholeNumberInput(
            t('lore.depth'),
            'note.depth',
            note.depth,
            depthLimits,
            (depth) => props.onNote({ ...note, depth }),
            'note-depth',
          )}
          <select
            value={note.unit}
            aria-label={t('lore.unit')}
            data-testid="note-unit"
            onChange={(event) => props.onNote({ ...note, unit: event.target.value as AuthorNote['unit'] })}
          >
            {NOTE_UNITS.map((unit) => (
              <option key={unit} value={unit}>
                {t(`lore.units.${unit}`)}
              </option>
            ))}
          </select>
        </div>
        {numberProblem('note.depth', depthLimits) && <p className="hint warn">{numberProblem('note.depth', depthLimits)}</p>}
        <div className="lore-row">
          <span>{t('lore.wrapper')}</span>
          <input
            className="lore-wrapper"
            value={note.prefix}
            maxLength={NOTE_LIMITS.wrapperChars}
            aria-label={t('lore.prefix')}
            onChange={(event) => props.onNote({ ...note, prefix: event.target.value })}
          />
          <span className="hint">…</span>
          <input
            className="lore-wrapper"
            value={note.suffix}
            maxLength={NOTE_LIMITS.wrapperChars}
            aria-label={t('lore.suffix')}
            onChange={(event) => props.onNote({ ...note, suffix: event.target.value })}
          />
        </div>
      </section>

      <section>
        <h3>{t('lore.lorebook')}</h3>
        <p className="hint">{t('lore.lorebookHint')}</p>
        {props.series && <SeriesField {...props.series} />}
        {wholeNumberInput(
          t('lore.budget'),
          'budget',
          lorebook.budget,
          LORE_LIMITS.budget,
          (budget) => props.onLorebook({ ...lorebook, budget }),
          'lore-budget',
        )}
        {numberProblem('budget', LORE_LIMITS.budget) && <p className="hint warn">{numberProblem('budget', LORE_LIMITS.budget)}</p>}
        <div className="lore-row">
          <button type="button" className="text-button bordered" onClick={addEntry} data-testid="lore-add">
            {t('lore.addEntry')}
          </button>
          <FileImportButton
            label={t('lore.import')}
            accept=".json,.lorebook,application/json"
            className="text-button bordered"
            testId="lore-import"
            onFile={(file) => void importFile(file)}
          />
        </div>
        <div className="lore-row">
          <select
            value={format}
            aria-label={t('lore.exportFormat')}
            data-testid="lore-export-format"
            onChange={(event) => setFormat(event.target.value as LorebookFormat)}
          >
            {LOREBOOK_FORMATS.map((f) => (
              <option key={f} value={f}>
                {t(`lore.formats.${f}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="text-button bordered"
            disabled={busy || lorebook.entries.length === 0}
            onClick={() => void exportNow()}
            data-testid="lore-export"
          >
            {t('lore.export')}
          </button>
        </div>
        {outcome && (
          <div className={outcome.ok ? 'hint' : 'panel-problem'} role={outcome.ok ? 'status' : 'alert'} data-testid="lore-outcome">
            {outcome.lines.map((line, i) => (
              <p key={i}>{line}</p>
            ))}
          </div>
        )}
        <ul className="lore-entries">
          {lorebook.entries.map((entry) => {
            const keysField = `keys.${entry.id}`;
            const keysText = draftOf(keysField, entry.keys.join('\n'));
            const keyProblems = keysText
              .split('\n')
              .map((k) => k.trim())
              .filter(Boolean)
              .map((k) => (k.length > LORE_LIMITS.keyChars ? t('lore.keyTooLong', { max: LORE_LIMITS.keyChars }) : keyProblem(k)))
              .filter((p): p is string => p !== null);
            const depthField = `scanDepth.${entry.id}`;
            const priorityField = `priority.${entry.id}`;
            const name = entry.title.trim() || entry.keys[0] || t('lore.untitled');
            return (
              <li key={entry.id} className="lore-entry" data-testid="lore-entry" data-entry-id={entry.id}>
                <details
                  open={opened === entry.id}
                  onToggle={(event) => {
                    const open = event.currentTarget.open;
                    setOpened((current) => (open ? entry.id : current === entry.id ? null : current));
                  }}
                >
                  <summary>
                    <span className="lore-entry-name lore-data">{name}</span>
                    {entry.alwaysOn && <span className="lore-badge">{t('lore.alwaysOn')}</span>}
                    {!entry.enabled && <span className="lore-badge off">{t('lore.off')}</span>}
                  </summary>
                  {/* Only the open entry's fields are on the page: an imported lorebook may hold hundreds. */}
                  {opened === entry.id && (
                    <>
                      <label className="lore-field">
                        {t('lore.entryTitle')}
                        <input
                          className="lore-data"
                          value={entry.title}
                          maxLength={LORE_LIMITS.titleChars}
                          data-testid="lore-entry-title"
                          onChange={(event) => updateEntry(entry.id, { title: event.target.value })}
                        />
                      </label>
                      <label className="lore-field">
                        {t('lore.keys')}
                        <textarea
                          className="lore-data"
                          rows={2}
                          value={keysText}
                          data-testid="lore-entry-keys"
                          onChange={(event) => {
                            const raw = event.target.value;
                            const keys = raw
                              .split('\n')
                              .map((k) => k.trim())
                              .filter(Boolean);
                            keep(keysField, raw);
                            const usable =
                              keys.length <= LORE_LIMITS.keysPerEntry &&
                              keys.every((k) => k.length <= LORE_LIMITS.keyChars && !keyProblem(k));
                            if (usable) updateEntry(entry.id, { keys });
                          }}
                          onBlur={() => keyProblems.length === 0 && settle(keysField)}
                        />
                      </label>
                      {keyProblems.map((problem, i) => (
                        <p key={i} className="hint warn" data-testid="lore-key-problem">
                          {t('lore.notSaved', { problem })}
                        </p>
                      ))}
                      <label className="lore-field">
                        {t('lore.text')}
                        <textarea
                          className="lore-data"
                          rows={4}
                          maxLength={LORE_LIMITS.textChars}
                          value={entry.text}
                          data-testid="lore-entry-text"
                          onChange={(event) => updateEntry(entry.id, { text: event.target.value })}
                        />
                      </label>
                      <div className="lore-row">
                        {ENTRY_FLAGS.map((flag) => (
                          <label key={flag} className="check">
                            <input
                              type="checkbox"
                              checked={entry[flag]}
                              data-testid={`lore-entry-${flag}`}
                              onChange={(event) => updateEntry(entry.id, { [flag]: event.target.checked })}
                            />
                            {t(`lore.${flag}`)}
                          </label>
                        ))}
                      </div>
                      <div className="lore-row">
                        {wholeNumberInput(t('lore.scanDepth'), depthField, entry.scanDepth, LORE_LIMITS.scanDepth, (scanDepth) =>
                          updateEntry(entry.id, { scanDepth }),
                        )}
                        {wholeNumberInput(t('lore.priority'), priorityField, entry.priority, LORE_LIMITS.priority, (priority) =>
                          updateEntry(entry.id, { priority }),
                        )}
                      </div>
                      {[numberProblem(depthField, LORE_LIMITS.scanDepth), numberProblem(priorityField, LORE_LIMITS.priority)]
                        .filter((p): p is string => p !== null)
                        .map((p) => (
                          <p key={p} className="hint warn">
                            {p}
                          </p>
                        ))}
                      <button
                        type="button"
                        className="text-button danger"
                        data-testid="lore-entry-delete"
                        onClick={() => props.onLorebook({ ...lorebook, entries: lorebook.entries.filter((e) => e.id !== entry.id) })}
                      >
                        {t('lore.delete')}
                      </button>
                    </>
                  )}
                </details>
              </li>
            );
          })}
          {lorebook.entries.length === 0 && <li className="hint">{t('lore.empty')}</li>}
        </ul>
      </section>
    </SidePanel>
  );
}
