/**
 * Lorebook keys: word boundaries where the script has them, substrings where it does not, the entry's case rule for
 * plain keys and a regex key's own flags, and regex keys that cannot freeze anything (RE2 cannot backtrack).
 */
import { describe, expect, it } from 'vitest';
import { keyMatcher, keyProblem, MAX_KEY_PROGRAM, parseKey } from '../../../electron/common/lore-keys.js';
import { lorebookSchema, newLoreEntry } from '../../../electron/common/lore.js';

const found = (key: string, text: string, caseSensitive = false): boolean => keyMatcher(key, caseSensitive).lastStart(text, 0) >= 0;

describe('plain keys', () => {
  it('match whole words in spaced scripts, never inside a word', () => {
    expect(found('Ai', 'Ai waved.')).toBe(true);
    expect(found('Ai', 'She called to Ai, twice')).toBe(true);
    expect(found('Ai', 'Aikin waved.')).toBe(false);
    expect(found('Ai', 'Tai waved.')).toBe(false);
    expect(found('harbour master', 'the harbour master came')).toBe(true);
    expect(found('harbour master', 'the harbour masters came')).toBe(false);
    expect(found('Ärger', 'viel Ärger heute')).toBe(true);
    expect(found('Москв', 'в Москве')).toBe(false);
    expect(found('Москва', 'Москва, зима')).toBe(true);
    // Hangul is written with spaces between words: boundaries hold there too.
    expect(found('서울', '서울에서')).toBe(false);
    expect(found('서울', '나는 서울 에 간다')).toBe(true);
  });

  it('match as substrings in Chinese and Japanese text, and a Latin key inside Chinese text', () => {
    expect(found('黛玉', '林黛玉笑道：“你来了。”')).toBe(true);
    expect(found('林黛玉', '宝玉看了黛玉一眼')).toBe(false);
    expect(found('アロハ', '彼女はアロハと呼ばれた')).toBe(true);
    expect(found('Aroha', '他叫Aroha了。')).toBe(true);
    expect(found('Aroha', '他叫Arohaa了。')).toBe(false);
  });

  it('follow the entry’s case rule', () => {
    expect(found('Rose', 'a rose by the door')).toBe(true);
    expect(found('Rose', 'a rose by the door', true)).toBe(false);
    expect(found('Rose', 'Rose by the door', true)).toBe(true);
    expect(found('ÉTÉ', 'un été chaud')).toBe(true);
  });

  it('give the start of the last occurrence from an offset on', () => {
    const text = 'Mere went out. Later Mere came back. mere.';
    const matcher = keyMatcher('Mere', true);
    expect(matcher.lastStart(text, 0)).toBe(text.indexOf('Mere came'));
    expect(matcher.lastStart(text, text.indexOf('Mere came') + 1)).toBe(-1);
    expect(keyMatcher('Mere', false).lastStart(text, 0)).toBe(text.lastIndexOf('mere'));
    // A surrogate pair before the key is one character, not half a word.
    expect(found('Mere', '😀Mere')).toBe(true);
  });
});

describe('regex keys', () => {
  it('are written between slashes and follow their own flags, not the entry’s case rule', () => {
    expect(parseKey('/Ar(o|a)ha/i')).toEqual({ kind: 'regex', pattern: 'Ar(o|a)ha', flags: 'i' });
    expect(parseKey('Aroha')).toEqual({ kind: 'plain', text: 'Aroha' });
    expect(found('/Ar(o|a)ha/', 'then Araha sang', false)).toBe(true);
    expect(found('/Ar(o|a)ha/', 'then araha sang', false)).toBe(false);
    expect(found('/Ar(o|a)ha/i', 'then araha sang', true)).toBe(true);
    // JavaScript's syntax, as NovelAI and SillyTavern write it, is translated for RE2.
    expect(found('/caf\\u00e9/', 'a café')).toBe(true);
    expect(found('/(?<name>Mere)\\b/', 'Mere.')).toBe(true);
  });

  it('that RE2 cannot run, that are too complex, or that match empty text are refused, in words', () => {
    expect(keyProblem('/(?=Mere)/')).toMatch(/does not compile .*no lookaround/);
    expect(keyProblem('/(a)\\1/')).toMatch(/does not compile/);
    expect(keyProblem('/[unclosed/')).toMatch(/does not compile \(missing closing \]/);
    expect(keyProblem('/((a{10}){10}){10}/')).toMatch(
      new RegExp(`too complex: its repeats expand to \\d+ steps per character \\(at most ${MAX_KEY_PROGRAM}\\)`),
    );
    expect(keyProblem('/a*/')).toMatch(/matches empty text/);
    expect(keyProblem('   ')).toBe('a key is empty');
    expect(keyProblem('/Ar(o|a)ha/i')).toBeNull();
    expect(keyProblem('Aroha')).toBeNull();
  });

  it('run in linear time: a pattern that backtracks exponentially in JavaScript returns at once', () => {
    // In a backtracking engine (a+)+$ against 30 a's and a '!' takes about 2^30 steps; this would time the test out.
    expect(keyProblem('/(a+)+$/')).toBeNull();
    const text = `${'a'.repeat(30)}!${' word'.repeat(10_000)}`;
    expect(keyMatcher('/(a+)+$/', true).lastStart(text, 0)).toBe(-1);
    expect(keyMatcher('/(a+)+!/', true).lastStart(text, 0)).toBe(0);
  });

  it('a lorebook holding a bad key does not pass the schema, which names the problem', () => {
    const book = {
      budget: 256,
      entries: [newLoreEntry('e1', { title: 'Mere', text: 'Mere keeps the light.', keys: ['Mere', '/(?<=x)y/'] })],
    };
    const parsed = lorebookSchema.safeParse(book);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['entries', 0, 'keys', 1]);
    expect(parsed.error?.issues[0]?.message).toMatch(/the regex key \/\(\?<=x\)y\/ does not compile/);
    book.entries[0]!.keys = ['Mere'];
    expect(lorebookSchema.safeParse(book).success).toBe(true);
    const twice = { budget: 256, entries: [newLoreEntry('e1'), newLoreEntry('e1')] };
    expect(lorebookSchema.safeParse(twice).error?.issues[0]?.message).toBe('two entries share the id e1');
  });
});
