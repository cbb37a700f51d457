/** The one word count: the rule writers expect, in every script, and the same number wherever it is shown. */
import { describe, expect, it } from 'vitest';
import { countWords } from '../../../electron/common/word-count.js';

describe('countWords', () => {
  it('counts Latin words, keeping contractions and hyphenated words whole, ignoring Markdown', () => {
    expect(countWords("# Chapter one\n\nShe didn't look back — the well-known road *ended*.")).toBe(10);
    expect(countWords('')).toBe(0);
    expect(countWords('  \n\n * * * \n')).toBe(0);
    expect(countWords('The sea, at last — calm.')).toBe(5);
    expect(countWords("It's a dog's life")).toBe(4);
  });

  it('joins at a hyphen, apostrophe or point only with a letter or digit on both sides', () => {
    expect(countWords('well-known')).toBe(1);
    expect(countWords('well - known')).toBe(2);
    expect(countWords('well — known')).toBe(2);
    expect(countWords('well- known')).toBe(2);
    expect(countWords('-- -')).toBe(0);
    expect(countWords('mother-in-law')).toBe(1);
    expect(countWords("rock 'n' roll")).toBe(3);
    expect(countWords('Version 3.14.')).toBe(2);
    expect(countWords('The end.Next')).toBe(2);
  });

  it('counts each Chinese, Japanese and Korean character as one (字数), and mixed text sensibly', () => {
    expect(countWords('她走进了房间。')).toBe(6);
    expect(countWords('東京へ行きました')).toBe(8);
    expect(countWords('He said 你好 twice')).toBe(5);
    expect(countWords('안녕하세요 세계')).toBe(7);
    expect(countWords('Café naïve façade 3.14 🙂')).toBe(4);
    expect(countWords('我爱写小说')).toBe(5);
  });

  it('gives a text the sum of its lines (the status bar counts a long draft line by line)', () => {
    const lines = ["She didn't stop.", 'well-', 'known 東京へ', '', '안녕 — yes.'];
    expect(countWords(lines.join('\n'))).toBe(lines.reduce((sum, line) => sum + countWords(line), 0));
  });

  it('counts a 10 MB draft exactly', () => {
    const big = 'The quick brown fox jumps over the lazy dog. 她走进了房间。\n'.repeat(180_000);
    expect(countWords(big)).toBe(180_000 * 15);
  });
});
