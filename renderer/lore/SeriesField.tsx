import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SERIES_LIMITS, type SeriesSummary } from '../../electron/common/lore.js';
import { errorMessage } from '../../electron/common/error-message.js';

export interface SeriesFieldProps {
  /** The series whose lorebook the draft shares, or null. */
  series: string | null;
  /** Joins a series by name, or leaves it (null), copying its lorebook into the draft when asked. */
  onSeries(series: string | null, copyLorebook: boolean): Promise<void>;
  /** The library's series and how many drafts share each one's lorebook. */
  listSeries(): Promise<SeriesSummary[]>;
}

/**
 * The Lore panel's series field (issue 11): drafts in one series share one lorebook. Outside a series the writer
 * types a name (the existing series are offered) and joins; inside, a line says how many drafts share the lorebook,
 * and leaving gives the draft its own lorebook back, or a copy of the series' one.
 */
export function SeriesField(props: SeriesFieldProps) {
  const { t } = useTranslation();
  const listId = useId();
  const [typed, setTyped] = useState('');
  const [known, setKnown] = useState<SeriesSummary[]>([]);
  const [copy, setCopy] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { series } = props;
  // Asked again when the draft joins or leaves a series, not at every render of a parent that makes a new function.
  const listSeries = useRef(props.listSeries);
  listSeries.current = props.listSeries;

  useEffect(() => {
    let live = true;
    listSeries.current().then(
      (list) => live && setKnown(list),
      () => live && setKnown([]),
    );
    return () => {
      live = false;
    };
  }, [series]);

  const run = async (next: string | null): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      await props.onSeries(next, copy);
      setTyped('');
      setCopy(false);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const name = typed.trim();
  const tooLong = name.length > SERIES_LIMITS.nameChars;
  const sharing = known.find((s) => s.name === series)?.drafts ?? 1;

  return (
    <div className="lore-series" data-testid="lore-series">
      {series === null ? (
        <>
          <div className="lore-row">
            <label className="inline-field">
              {t('lore.series')}
              <input
                value={typed}
                list={listId}
                placeholder={t('lore.seriesPlaceholder')}
                data-testid="series-input"
                onChange={(event) => setTyped(event.target.value)}
              />
            </label>
            <datalist id={listId} data-testid="series-options">
              {known.map((s) => (
                <option key={s.name} value={s.name} />
              ))}
            </datalist>
            <button
              type="button"
              className="text-button bordered"
              disabled={busy || name.length === 0 || tooLong}
              data-testid="series-join"
              onClick={() => void run(name)}
            >
              {t('lore.seriesJoin')}
            </button>
          </div>
          {tooLong && <p className="hint warn">{t('lore.seriesTooLong', { max: SERIES_LIMITS.nameChars })}</p>}
          <p className="hint">{t('lore.seriesHint')}</p>
        </>
      ) : (
        <>
          <p data-testid="series-shared">{t('lore.seriesShared', { name: series, count: sharing })}</p>
          <div className="lore-row">
            <label>
              <input type="checkbox" checked={copy} data-testid="series-copy" onChange={(event) => setCopy(event.target.checked)} />
              {t('lore.seriesCopy')}
            </label>
            <button
              type="button"
              className="text-button bordered"
              disabled={busy}
              data-testid="series-leave"
              onClick={() => void run(null)}
            >
              {t('lore.seriesLeave')}
            </button>
          </div>
          <p className="hint">{t('lore.seriesLeaveHint')}</p>
        </>
      )}
      {problem && (
        <p className="hint warn" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
