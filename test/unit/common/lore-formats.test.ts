/**
 * Lorebook files in and out: NovelAI's .lorebook, SillyTavern's and KoboldAI's World Info, and Kaituhi's own.
 * The fixtures under test/support/lorebooks/ were written by hand from each tool's docs and code; their README
 * cites the sources (docs.novelai.net/text/lorebook.html; SillyTavern/SillyTavern public/scripts/world-info.js;
 * KoboldAI/KoboldAI-Client aiserver.py; LostRuins/koboldcpp klite.embd).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  exportLorebook,
  importLorebook,
  LOREBOOK_FORMATS,
  LorebookImportError,
  mergeLorebooks,
  type ImportedLorebook,
} from '../../../electron/common/lore-formats.js';
import { LORE_LIMITS, newLoreEntry, type Lorebook } from '../../../electron/common/lore.js';

const fixture = (name: string): string => readFileSync(new URL(`../../support/lorebooks/${name}`, import.meta.url), 'utf8');

function ids(): () => string {
  let n = 0;
  return () => `new-${++n}`;
}

function refused(text: string): LorebookImportError {
  try {
    importLorebook(text, ids());
  } catch (error) {
    if (error instanceof LorebookImportError) return error;
    throw error;
  }
  throw new Error('the file was imported');
}

const ship = (book: ImportedLorebook) =>
  book.lorebook.entries.map((e) => [e.title, e.keys, e.alwaysOn, e.enabled, e.caseSensitive, e.scanDepth, e.priority]);

describe('importing', () => {
  it('reads a NovelAI .lorebook: titles, keys (a regex among them), search range, always on, enabled and priority', () => {
    const book = importLorebook(fixture('harbour.lorebook'), ids());
    expect(book.format).toBe('novelai');
    expect(ship(book)).toEqual([
      ['Aroha', ['Aroha', "the keeper's daughter"], false, true, false, 1000, 400],
      ['The lighthouse', ['lighthouse', '/light ?house|beacon/i'], false, true, false, 2500, 200],
      ['Harbour law', [], true, true, false, 1000, 800],
      ['Captain Rua', ['Rua'], false, false, false, 500, -100],
    ]);
    // NovelAI's ids are kept: a second import of the same file names the same entries.
    expect(book.lorebook.entries[0]!.id).toBe('8f2a1c4e-5b6d-4e7f-9a0b-1c2d3e4f5a6b');
    expect(book.lorebook.entries[1]!.text).toBe('The lighthouse on the rocks has been dark since the wreck of the Matariki.');
    expect(book.lorebook.budget).toBe(LORE_LIMITS.budget.default);
    expect(book.warnings).toEqual([]);
  });

  it('reads SillyTavern World Info, and says which entries had secondary keys Kaituhi does not use', () => {
    const book = importLorebook(fixture('harbour-sillytavern.json'), ids());
    expect(book.format).toBe('sillytavern');
    expect(ship(book)).toEqual([
      ['Aroha', ['Aroha', "keeper's daughter"], false, true, true, 1000, 100],
      ['The lighthouse', ['/light ?house/i', 'beacon'], false, true, false, 1000, 50],
      ['Harbour law', [], true, true, false, 1000, 300],
      ['Captain Rua', ['Rua'], false, false, false, 1000, 100],
    ]);
    expect(book.lorebook.entries.map((e) => e.id)).toEqual(['new-1', 'new-2', 'new-3', 'new-4']);
    expect(book.warnings).toEqual([
      'The entry “The lighthouse”: its secondary keys are not used by Kaituhi; it activates on its primary keys alone.',
    ]);
  });

  it('reads KoboldAI World Info from a story file, skipping the blank entry KoboldAI keeps for its editor', () => {
    const book = importLorebook(fixture('harbour-koboldai.json'), ids());
    expect(book.format).toBe('koboldai');
    expect(ship(book)).toEqual([
      ['Aroha', ['Aroha', "keeper's daughter"], false, true, false, 1000, 0],
      ['The lighthouse', ['lighthouse', 'beacon'], false, true, false, 1000, 0],
      ['Harbour law', [], true, true, false, 1000, 0],
    ]);
    expect(book.warnings).toEqual([
      'The entry “The lighthouse”: its secondary keys are not used by Kaituhi; it activates on its primary keys alone.',
    ]);
  });

  it('reads KoboldAI Lite’s entries, disabled ones and anti-keys included', () => {
    const book = importLorebook(fixture('harbour-kobold-lite.json'), ids());
    expect(book.format).toBe('koboldai');
    expect(ship(book)).toEqual([
      ['Aroha', ['Aroha', "keeper's daughter"], false, true, false, 1000, 0],
      ['Captain Rua', ['Rua'], false, false, false, 1000, 0],
    ]);
    expect(book.warnings).toEqual(['The entry “Aroha”: its anti-keys are not used by Kaituhi.']);
  });
});

describe('exporting and importing again', () => {
  const book: Lorebook = {
    budget: 300,
    entries: [
      newLoreEntry('aroha', {
        title: 'Aroha',
        text: 'Aroha rows alone.\nShe trusts no one.',
        keys: ['Aroha', '/Ar(o|a)ha{1,2}/i'],
        caseSensitive: true,
        scanDepth: 1500,
        priority: 7,
      }),
      newLoreEntry('law', { title: 'Harbour law', text: 'No boat leaves after the bell.', alwaysOn: true, priority: -3 }),
      newLoreEntry('rua', { title: '', text: '船长Rua', keys: ['Rua', '船长'], enabled: false, scanDepth: 40 }),
    ],
  };

  it.each(LOREBOOK_FORMATS)('through %s loses nothing Kaituhi models', (format) => {
    const file = exportLorebook(book, format);
    const back = importLorebook(file, ids());
    expect(back.format).toBe(format);
    expect(back.lorebook).toEqual(book);
    expect(back.warnings).toEqual([]);
  });

  it('writes each tool’s own fields, so the tool reads what it models', () => {
    const nai = JSON.parse(exportLorebook(book, 'novelai')) as { lorebookVersion: number; entries: Record<string, unknown>[] };
    expect(nai.lorebookVersion).toBe(5);
    expect(nai.entries[0]).toMatchObject({ displayName: 'Aroha', keys: ['Aroha', '/Ar(o|a)ha{1,2}/i'], searchRange: 1500, enabled: true });
    expect(nai.entries[0]!.contextConfig).toMatchObject({ budgetPriority: 7 });
    expect(nai.entries[1]).toMatchObject({ forceActivation: true });
    const st = JSON.parse(exportLorebook(book, 'sillytavern')) as { entries: Record<string, Record<string, unknown>> };
    expect(st.entries['0']).toMatchObject({ uid: 0, key: ['Aroha', '/Ar(o|a)ha{1,2}/i'], comment: 'Aroha', caseSensitive: true, order: 7 });
    expect(st.entries['2']).toMatchObject({ disable: true, content: '船长Rua' });
    const kobold = JSON.parse(exportLorebook(book, 'koboldai')) as { worldinfo: Record<string, unknown>[]; actions: unknown[] };
    expect(kobold.actions).toEqual([]);
    expect(kobold.worldinfo[0]).toMatchObject({ key: 'Aroha,/Ar(o|a)ha{1,2}/i', comment: 'Aroha', constant: false });
    expect(kobold.worldinfo[1]).toMatchObject({ key: '', constant: true });
  });

  it('a key edited in the other tool wins over what Kaituhi wrote beside it', () => {
    const kobold = JSON.parse(exportLorebook(book, 'koboldai')) as { worldinfo: { key: string }[] };
    kobold.worldinfo[0]!.key = 'Aroha, the girl';
    expect(importLorebook(JSON.stringify(kobold), ids()).lorebook.entries[0]!.keys).toEqual(['Aroha', 'the girl']);
  });
});

describe('bad files', () => {
  it('broken JSON and files that are no lorebook are refused, saying so', () => {
    expect(refused('{"entries": [').message).toMatch(/^This file is not valid JSON \(.+\)\. Nothing was imported\.$/);
    expect(refused('{"title": "a story"}').message).toMatch(
      /^This file is not a lorebook Kaituhi can read: .*NovelAI.*SillyTavern.*KoboldAI/,
    );
    expect(refused('[1, 2]').message).toMatch(/not a lorebook Kaituhi can read/);
  });

  it('a regex key that does not compile, or a catastrophic one, is refused naming its entry, and nothing is imported', () => {
    const st = JSON.parse(fixture('harbour-sillytavern.json')) as { entries: Record<string, { key: string[] }> };
    st.entries['1']!.key = ['/(?<=light)house/'];
    st.entries['3']!.key = ['/((a{10}){10}){10}/'];
    const error = refused(JSON.stringify(st));
    expect(error.problems).toEqual([
      expect.stringMatching(/^The entry “The lighthouse” \(number 2\): the regex key \/\(\?<=light\)house\/ does not compile/),
      expect.stringMatching(/^The entry “Captain Rua” \(number 4\): the regex key \/\(\(a\{10\}\)\{10\}\)\{10\}\/ is too complex/),
    ]);
    expect(error.message).toMatch(/Nothing was imported\.$/);
  });

  it('too many entries, or an entry too long, is refused before anything is taken', () => {
    const many = {
      lorebookVersion: 5,
      entries: Array.from({ length: LORE_LIMITS.entries + 1 }, (_, i) => ({ text: `e${i}`, keys: ['x'] })),
    };
    expect(refused(JSON.stringify(many)).problems[0]).toBe(
      `This lorebook has ${LORE_LIMITS.entries + 1} entries; Kaituhi keeps at most ${LORE_LIMITS.entries} in one draft.`,
    );
    const long = { lorebookVersion: 5, entries: [{ displayName: 'Saga', text: 'x'.repeat(LORE_LIMITS.textChars + 1), keys: ['saga'] }] };
    expect(refused(JSON.stringify(long)).problems).toEqual([
      `The entry “Saga” (number 1): its text has ${LORE_LIMITS.textChars + 1} characters; at most ${LORE_LIMITS.textChars} fit.`,
    ]);
  });
});

describe('adding an imported lorebook to a draft’s', () => {
  it('appends the entries, renaming an id the draft already uses, and refuses a merge that would not fit', () => {
    const mine: Lorebook = { budget: 200, entries: [newLoreEntry('aroha', { text: 'Mine.' })] };
    const theirs: Lorebook = { budget: 999, entries: [newLoreEntry('aroha', { text: 'Theirs.' }), newLoreEntry('law', { text: 'Law.' })] };
    const merged = mergeLorebooks(mine, theirs, ids());
    expect(merged.budget).toBe(200);
    expect(merged.entries.map((e) => [e.id, e.text])).toEqual([
      ['aroha', 'Mine.'],
      ['new-1', 'Theirs.'],
      ['law', 'Law.'],
    ]);
    const full: Lorebook = { budget: 200, entries: Array.from({ length: LORE_LIMITS.entries }, (_, i) => newLoreEntry(`e${i}`)) };
    expect(() => mergeLorebooks(full, theirs, ids())).toThrow(
      `The draft has ${LORE_LIMITS.entries} entries and the file 2; at most ${LORE_LIMITS.entries} fit in one draft.`,
    );
  });
});
