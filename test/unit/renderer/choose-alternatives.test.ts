import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseAlternatives, type DecodedAlternative } from '../../../renderer/editor/choose-alternatives.js';
import type { FilterCounts, SuggestionFilter } from '../../../renderer/editor/suggestion-filters.js';

const decoded = (...texts: (string | [string, number])[]): DecodedAlternative[] =>
  texts.map((entry, candidate) =>
    typeof entry === 'string' ? { text: entry, joinScore: null, candidate } : { text: entry[0], joinScore: entry[1], candidate },
  );

/** What the provider is told after each drop: the running counts. */
function choose(alternatives: DecodedAlternative[], before: string, after = '') {
  const reports: FilterCounts[] = [];
  const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined);
  const chosen = chooseAlternatives(alternatives, { before, after }, (counts) => reports.push({ ...counts }));
  const logged = debug.mock.calls.map((call) => String(call[0]));
  return { chosen, reports, logged };
}

afterEach(() => vi.restoreAllMocks());

describe('choosing what goes on screen', () => {
  const cases: { filter: SuggestionFilter; bad: string; before: string; after?: string }[] = [
    { filter: 'blank', bad: ' …', before: 'She waited' },
    { filter: 'end-of-text', bad: ' It was over.<|endoftext|>', before: 'She waited' },
    { filter: 'split-word', bad: ' keeper', before: 'The light', after: 'house stood' },
    { filter: 'repeat', bad: 'He walked home.', before: 'He walked home. ' },
  ];
  for (const { filter, bad, before, after } of cases) {
    it(`a suggestion the ${filter} filter drops stays off screen, is counted once, and is written to the debug log`, () => {
      const good = after ? 'ning struck the ' : ' and the door opened';
      const { chosen, reports, logged } = choose(decoded(bad, good), before, after);
      expect(chosen.shown.map((alternative) => alternative.text)).toEqual([good]);
      expect(chosen.dropped).toEqual([{ suggestion: bad, filter }]);
      expect(reports).toHaveLength(1);
      // The counts are the page's running totals: this drop added one to its own filter and nothing to the others.
      const previous = reports[0]![filter] - 1;
      expect(previous).toBeGreaterThanOrEqual(0);
      expect(logged).toEqual([`[kaituhi] ghost text filtered (${filter}): ${JSON.stringify(bad)}`]);
    });
  }

  it('counts every drop: the totals grow by one per dropped suggestion, per filter', () => {
    const first = choose(decoded(' .', ' !', ' and on'), 'She waited');
    expect(first.reports).toHaveLength(2);
    expect(first.reports[1]!.blank - first.reports[0]!.blank).toBe(1);
    const second = choose(decoded(' ?'), 'She waited');
    expect(second.reports[0]!.blank - first.reports[1]!.blank).toBe(1);
    expect(second.chosen.shown).toEqual([]);
  });

  it('mid-paragraph, the best joining score comes first; without scores the engine’s order stays', () => {
    const ranked = choose(decoded([' slowly', -9.5], [' at once', -2.25], [' never', -4]), 'She left', ' and the door shut.');
    expect(ranked.chosen.shown.map((alternative) => [alternative.text, alternative.candidate])).toEqual([
      [' at once', 1],
      [' never', 2],
      [' slowly', 0],
    ]);
    const unscored = choose(decoded(' slowly', ' at once'), 'She left');
    expect(unscored.chosen.shown.map((alternative) => alternative.text)).toEqual([' slowly', ' at once']);
  });

  it('a text decoded twice is shown once, as the better-ranked of the two', () => {
    const { chosen } = choose(decoded([' then', -6], [' later', -3], [' then', -1]), 'She left', ' and the door shut.');
    expect(chosen.shown.map((alternative) => [alternative.text, alternative.candidate])).toEqual([
      [' then', 2],
      [' later', 1],
    ]);
  });
});
