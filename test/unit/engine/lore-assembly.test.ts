/**
 * The one assembly of memory, active lore, the author's note and the story: the order of the parts, the note's depth,
 * the budget and the priority of entries, and the hysteresis that keeps an entry on while one word is typed.
 */
import { decode, encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTE, newLoreEntry, type AuthorNote, type LoreEntry, type Lorebook } from '../../../electron/common/lore.js';
import { assembleContext, paragraphsBack, type AssembleOptions } from '../../../electron/engine/context-window.js';
import { activateLore, NO_LORE_STATE, releaseDepth, type LoreState } from '../../../electron/engine/lore-activation.js';

const gpt2 = (s: string): number[] => encode(s);
const text = (tokens: readonly number[]): string => decode([...tokens]);

const aroha = newLoreEntry('aroha', { title: 'Aroha', text: 'Aroha is a sailor with a scar on her left hand.', keys: ['Aroha'] });
const town = newLoreEntry('town', { title: 'Kaituhi', text: 'Kaituhi is a harbour town on a cold coast.', keys: ['Kaituhi', 'the town'] });
const rules = newLoreEntry('rules', { title: 'Rules', text: 'No one sails after dark.', alwaysOn: true });

function assemble(options: Partial<AssembleOptions> & { text: string }): ReturnType<typeof assembleContext> {
  return assembleContext({ encode: gpt2, window: 1024, reserve: 64, ...options });
}

const book = (entries: LoreEntry[], budget = 256): Lorebook => ({ budget, entries });
const note = (fields: Partial<AuthorNote>): AuthorNote => ({ ...DEFAULT_NOTE, text: 'Tone: quiet dread.', ...fields });

describe('the order of the parts', () => {
  it('is memory, then active lore in the order it became active, then the story', () => {
    const memory = 'Memory: the year is 1890.\n';
    const story = 'The ship came into Kaituhi at dawn. Aroha was on deck.';
    const first = assemble({ memory, lorebook: book([aroha, town, rules]), text: story });
    expect(first.segments.map((s) => [s.source, s.entryId])).toEqual([
      ['memory', undefined],
      ['lore', 'aroha'],
      ['lore', 'town'],
      ['lore', 'rules'],
      ['story', undefined],
    ]);
    expect(text(first.tokens)).toBe(`${memory}${aroha.text}\n${town.text}\n${rules.text}\n${story}`);
    expect(first.tokens).toEqual(first.segments.flatMap((s) => s.tokens));
    const loreTokens = first.segments.filter((s) => s.source === 'lore').reduce((sum, s) => sum + s.tokens.length, 0);
    expect(first.budget).toEqual({ memory: gpt2(memory).length, lore: loreTokens, note: 0, story: gpt2(story).length, reserved: 64 });

    // A new entry goes after those already active, whatever its priority or its place in the lorebook: the tokens
    // of the lore already in the window stay as they were.
    const captain = newLoreEntry('captain', { title: 'Captain', text: 'Captain Rua owns the ship.', keys: ['Rua'], priority: 50 });
    const later = assemble({
      memory,
      lorebook: book([captain, aroha, town, rules]),
      loreState: first.loreState,
      text: `${story} Rua shouted.`,
    });
    expect(later.segments.filter((s) => s.source === 'lore').map((s) => s.entryId)).toEqual(['aroha', 'town', 'rules', 'captain']);
    const stable = gpt2(memory).length + first.budget.lore;
    expect(later.tokens.slice(0, stable)).toEqual(first.tokens.slice(0, stable));
  });

  it('puts lore on a line of its own after a memory that does not end in one', () => {
    const r = assemble({ memory: 'The year is 1890.', lorebook: book([rules]), text: 'Dawn.' });
    expect(text(r.tokens)).toBe('The year is 1890.\nNo one sails after dark.\nDawn.');
    expect(r.budget.lore).toBe(r.segments[1]!.tokens.length);
  });

  it('without memory, note or lore is the story alone, token for token as before', () => {
    const story = 'Once upon a time, in a harbour town.';
    expect(assemble({ text: story, lorebook: book([aroha]), note: { ...DEFAULT_NOTE } }).tokens).toEqual(gpt2(story));
  });
});

describe('the author’s note', () => {
  const paragraphs = ['One.', 'Two.', 'Three.', 'Four.', 'Five is being wri'];
  const story = paragraphs.join('\n\n');

  it('goes the chosen number of paragraphs back, the one being written included', () => {
    const r = assemble({ note: note({ depth: 3 }), text: story });
    expect(text(r.tokens)).toBe('One.\n\nTwo.\n\n[ Tone: quiet dread. ]\nThree.\n\nFour.\n\nFive is being wri');
    expect(r.segments.map((s) => s.source)).toEqual(['story', 'note', 'story']);
    expect(r.budget.note).toBe(gpt2('[ Tone: quiet dread. ]\n').length);
    // Single line breaks count as paragraphs too (much Chinese prose is written so).
    expect(paragraphsBack('a\nb\nc', 2)).toBe(2);
    expect(paragraphsBack('a\r\n\r\nb', 1)).toBe(5);
  });

  it('goes to the start of the story when there are fewer paragraphs, and wraps as the writer chose', () => {
    const r = assemble({ note: note({ depth: 9, prefix: '<', suffix: '>' }), text: story });
    expect(text(r.tokens)).toBe(`<Tone: quiet dread.>\n${story}`);
  });

  it('counted in tokens, sits that many tokens before the end', () => {
    const r = assemble({ note: note({ unit: 'tokens', depth: 4 }), text: story });
    const after = r.segments[r.segments.length - 1]!;
    expect(after.source).toBe('story');
    expect(after.tokens).toEqual(gpt2(story).slice(-4));
    expect(text(r.segments[1]!.tokens)).toBe('\n[ Tone: quiet dread. ]\n');
  });

  it('keeps the story before it token for token while the writer types after it; a new paragraph moves it on', () => {
    const before = assemble({ note: note({ depth: 2 }), text: story });
    const typed = assemble({ note: note({ depth: 2 }), text: `${story}tten now` });
    const noteAt = before.segments[0]!.tokens.length;
    expect(typed.tokens.slice(0, noteAt + before.segments[1]!.tokens.length)).toEqual(
      before.tokens.slice(0, noteAt + before.segments[1]!.tokens.length),
    );
    const moved = assemble({ note: note({ depth: 2 }), text: `${story}tten.\n\nSix` });
    expect(text(moved.tokens)).toContain('Four.\n\n[ Tone: quiet dread. ]\nFive is being written.\n\nSix');
  });

  it('that is too long for its eighth of the window is left out, named', () => {
    const r = assemble({ note: note({ text: 'dread '.repeat(200) }), text: story });
    expect(r.segments.map((s) => s.source)).toEqual(['story']);
    expect(r.leftOut).toEqual([{ source: 'note', reason: 'over-budget', tokens: gpt2(`[ ${'dread '.repeat(200).trim()} ]\n`).length }]);
  });
});

describe('the lore budget and priority', () => {
  const entry = (id: string, priority: number, words: number): LoreEntry =>
    newLoreEntry(id, { title: id, text: `${id} ${'lore '.repeat(words)}`.trim(), keys: [id], priority });

  it('lets the highest priority in when more entries are active than fit, and lists the rest as over budget', () => {
    const a = entry('Alpha', 1, 40);
    const b = entry('Beta', 5, 40);
    const c = entry('Gamma', 3, 40);
    const size = (e: LoreEntry): number => gpt2(`${e.text}\n`).length;
    const r = assemble({ lorebook: book([a, b, c], size(b) + size(c) + 5), text: 'Alpha, Beta and Gamma met.' });
    // In the window in the order they became active (here: the lorebook's), chosen by priority.
    expect(r.segments.filter((s) => s.source === 'lore').map((s) => s.entryId)).toEqual(['Beta', 'Gamma']);
    expect(r.leftOut).toEqual([{ source: 'lore', entryId: 'Alpha', title: 'Alpha', reason: 'over-budget', tokens: size(a) }]);
    expect(r.budget.lore).toBe(size(b) + size(c));
    // Equal priorities: the entry active longest keeps its place.
    const d = entry('Delta', 5, 40);
    const state: LoreState = { active: new Map([['Delta', 0]]), next: 1 };
    const tie = assemble({ lorebook: book([b, d], Math.max(size(b), size(d)) + 5), loreState: state, text: 'Beta and Delta met.' });
    expect(tie.segments.filter((s) => s.source === 'lore').map((s) => s.entryId)).toEqual(['Delta']);
  });

  it('never squeezes the story below a quarter of the window, and lists what slid out of it', () => {
    const big = Array.from({ length: 8 }, (_, i) => entry(`E${i}`, 0, 120));
    const story = `${'and the sea rose. '.repeat(400)}${big.map((e) => e.id).join(' ')} and the sea rose. `;
    const r = assemble({ memory: 'Memory. '.repeat(100), lorebook: book(big, 1024), text: story });
    expect(r.tokens.length).toBeLessThanOrEqual(1024 - 64);
    expect(r.budget.story).toBeGreaterThanOrEqual(256 - 128);
    expect(r.budget.memory + r.budget.lore).toBeLessThanOrEqual(1024 - 64 - 256);
    expect(r.leftOut.filter((l) => l.source === 'lore').length).toBeGreaterThan(0);
    expect(r.leftOut.find((l) => l.source === 'story')).toMatchObject({ reason: 'before-window' });
    expect(text(r.tokens).endsWith('and the sea rose. ')).toBe(true);
  });
});

describe('activation and hysteresis', () => {
  const light = newLoreEntry('light', {
    title: 'Lighthouse',
    text: 'The lighthouse has been dark for a year.',
    keys: ['lighthouse'],
    scanDepth: 100,
  });

  it('turns an entry on when a key is within its scan depth, and not on a disabled or empty entry', () => {
    const near = `${'x '.repeat(100)}the lighthouse${' y'.repeat(40)}`;
    expect(activateLore([light], near, NO_LORE_STATE).active.map((a) => [a.entry.id, a.reason])).toEqual([['light', 'key']]);
    expect(activateLore([{ ...light, enabled: false }], near, NO_LORE_STATE).active).toEqual([]);
    expect(activateLore([{ ...light, text: '  ' }], near, NO_LORE_STATE).active).toEqual([]);
    const far = `the lighthouse${' y'.repeat(60)}`;
    expect(activateLore([light], far, NO_LORE_STATE).active).toEqual([]);
  });

  it('keeps it on while the writer types on, word by word, until the key is half a scan depth further back', () => {
    let story = 'She looked at the lighthouse';
    let state = NO_LORE_STATE;
    const history: boolean[] = [];
    for (let i = 0; i < 120; i++) {
      story += ' and';
      const { active, state: next } = activateLore([light], story, state);
      state = next;
      history.push(active.length === 1);
    }
    // On from the first word, then off once, never back on: no flicker at the edge of the scan depth.
    const flips = history.filter((on, i) => i > 0 && on !== history[i - 1]).length;
    expect(history[0]).toBe(true);
    expect(flips).toBe(1);
    const offAt = history.indexOf(false);
    const keyBack = (n: number) => `She looked at the lighthouse${' and'.repeat(n + 1)}`.length - 'She looked at the '.length;
    expect(keyBack(offAt - 1)).toBeLessThanOrEqual(releaseDepth(100));
    expect(keyBack(offAt)).toBeGreaterThan(releaseDepth(100));
    // Without the state the same text at the same point is already off: the hysteresis did it.
    expect(activateLore([light], `She looked at the lighthouse${' and'.repeat(offAt)}`, NO_LORE_STATE).active).toEqual([]);
  });

  it('an entry that turns off and on again goes to the end of the lore', () => {
    const other = newLoreEntry('other', { text: 'Other lore.', alwaysOn: true });
    const on = activateLore([light, other], 'the lighthouse', NO_LORE_STATE);
    expect(on.active.map((a) => a.entry.id)).toEqual(['light', 'other']);
    const off = activateLore([light, other], 'nothing here', on.state);
    const again = activateLore([light, other], 'nothing here. the lighthouse', off.state);
    expect(again.active.map((a) => a.entry.id)).toEqual(['other', 'light']);
  });

  it('a key deleted from the text turns its entry off at once', () => {
    const on = activateLore([light], 'the lighthouse', NO_LORE_STATE);
    expect(activateLore([light], 'the light', on.state).active).toEqual([]);
  });
});
