import { describe, expect, it } from 'vitest';
import {
  filterFor,
  filterSuggestions,
  holdsEndOfText,
  isBlank,
  repeatsPrecedingSentence,
  splitsWord,
} from '../../../renderer/editor/suggestion-filters.js';

const atEnd = (before: string) => ({ before, after: '' });

describe('filter: only whitespace or punctuation', () => {
  it('drops blanks, lone punctuation and quotes; keeps anything with a letter or digit', () => {
    for (const blank of ['', ' ', '\n\n', ' .', '”', ' — …', '?!', '」。']) expect(isBlank(blank), JSON.stringify(blank)).toBe(true);
    for (const kept of [' a', '.” He', ' 1984', '。他走了', ' —and then']) expect(isBlank(kept), JSON.stringify(kept)).toBe(false);
    expect(filterFor(' ...', atEnd('She waited'))).toBe('blank');
  });
});

describe('filter: the end-of-text token', () => {
  it('drops a suggestion that spells out the end-of-text marker, whole or cut off at its end', () => {
    expect(holdsEndOfText(' The end.<|endoftext|>The next story')).toBe(true);
    expect(holdsEndOfText(' The end.<|endof')).toBe(true);
    expect(holdsEndOfText(' The end.<|')).toBe(true);
    expect(holdsEndOfText('他走了。[SEP]')).toBe(true);
    expect(holdsEndOfText(' a < b | c')).toBe(false);
    expect(holdsEndOfText(' x <')).toBe(false);
    expect(filterFor(' The end.<|endoftext|>', atEnd('It was over'))).toBe('end-of-text');
  });
});

describe('filter: splitting a word the writer is in the middle of', () => {
  it('inside a word, drops suggestions that would break it in two, keeps those that continue it', () => {
    const inside = { before: 'The light', after: 'house stood' };
    expect(splitsWord(' keeper', inside)).toBe(true);
    expect(splitsWord(', and ', inside)).toBe(true);
    expect(splitsWord('ning struck the ', inside)).toBe(false);
    expect(filterFor(' keeper', inside)).toBe('split-word');
    expect(filterFor('ning struck the ', inside)).toBeNull();
  });

  it('between words, at a paragraph’s end, and in scripts without spaces, nothing is split', () => {
    expect(splitsWord(' keeper', { before: 'The light ', after: 'house' })).toBe(false);
    expect(splitsWord(' keeper', { before: 'The light', after: ' house' })).toBe(false);
    expect(splitsWord(' keeper', { before: 'The light', after: '' })).toBe(false);
    expect(splitsWord('，他说', { before: '灯塔', after: '守护人' })).toBe(false);
    // Accented and non-Latin letters of spaced scripts are letters too.
    expect(splitsWord(' и', { before: 'мая', after: 'к' })).toBe(true);
    expect(splitsWord(' x', { before: 'caf', after: 'é' })).toBe(true);
  });
});

describe('filter: repeating the sentence before', () => {
  it('drops a suggestion that copies the preceding sentence word for word', () => {
    expect(repeatsPrecedingSentence(' He walked home.', 'The rain had stopped. He walked home.')).toBe(true);
    expect(repeatsPrecedingSentence('He walked home.', 'The rain had stopped. He walked home. ')).toBe(true);
    // Finishing the copy the sentence being written has begun.
    expect(repeatsPrecedingSentence(' walked home. Then', 'He walked home. He')).toBe(true);
    // Whitespace does not hide a copy.
    expect(repeatsPrecedingSentence('  He   walked\nhome!', 'He walked home!')).toBe(true);
    expect(repeatsPrecedingSentence('他回家了。', '雨停了。他回家了。')).toBe(true);
    // A paragraph without a full stop is a sentence too.
    expect(repeatsPrecedingSentence('The long road', 'The long road\n')).toBe(true);
    expect(filterFor(' He walked home.', atEnd('He walked home.'))).toBe('repeat');
  });

  it('keeps a suggestion that only starts like the sentence before, or differs by a word or by case', () => {
    expect(repeatsPrecedingSentence(' walked to the car.', 'He walked home. He')).toBe(false);
    expect(repeatsPrecedingSentence(' He walked home slowly', 'He walked home quickly.')).toBe(false);
    expect(repeatsPrecedingSentence(' he walked home.', 'He walked home.')).toBe(false);
    expect(repeatsPrecedingSentence(' He', 'He walked home.')).toBe(false);
    expect(repeatsPrecedingSentence(' anything', '')).toBe(false);
    // The writer's own repetition (already on the page) is not the suggestion's.
    expect(repeatsPrecedingSentence(' and on.', 'He walked home. He walked home')).toBe(false);
  });
});

describe('filterSuggestions', () => {
  it('keeps the order of what passes and says which rule each of the others broke', () => {
    const around = { before: 'The storm passed. The storm passed. The light', after: 'house stood' };
    expect(filterSuggestions(['ning hit the ', ' .', ' keeper', ' The<|endoftext|>', 'ning struck '], around)).toEqual({
      kept: ['ning hit the ', 'ning struck '],
      dropped: [
        { suggestion: ' .', filter: 'blank' },
        { suggestion: ' keeper', filter: 'split-word' },
        { suggestion: ' The<|endoftext|>', filter: 'end-of-text' },
      ],
    });
  });
});
