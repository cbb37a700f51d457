/**
 * The lore panel (author's note, lorebook editor, import and export) and the context inspector, without Monaco: what
 * the writer sees and what reaches the draft and the engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useState } from 'react';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LorePanel } from '../../renderer/lore/LorePanel.js';
import { ContextInspector } from '../../renderer/lore/ContextInspector.js';
import {
  DEFAULT_NOTE,
  EMPTY_LOREBOOK,
  LORE_LIMITS,
  lorebookSchema,
  newLoreEntry,
  type AuthorNote,
  type Lorebook,
} from '../../electron/common/lore.js';
import type { ContextView, PrefillRequest } from '../../electron/shared/api.js';
import { i18n } from '../../renderer/i18n/index.js';

afterEach(cleanup);

const fixture = (name: string): string => readFileSync(join(process.cwd(), 'test', 'support', 'lorebooks', name), 'utf8');

function lorePanel(initial: { note?: AuthorNote; lorebook?: Lorebook } = {}) {
  const notes: AuthorNote[] = [];
  const books: Lorebook[] = [];
  const onExport = vi.fn(async (format: string) => `Downloaded Harbour lore (${format}).`);
  function Harness() {
    const [note, setNote] = useState(initial.note ?? DEFAULT_NOTE);
    const [lorebook, setLorebook] = useState(initial.lorebook ?? EMPTY_LOREBOOK);
    return (
      <LorePanel
        note={note}
        lorebook={lorebook}
        onNote={(next) => {
          notes.push(next);
          setNote(next);
        }}
        onLorebook={(next) => {
          books.push(next);
          setLorebook(next);
        }}
        onExport={onExport}
        onClose={vi.fn()}
      />
    );
  }
  render(<Harness />);
  return { notes, books, onExport, last: () => books[books.length - 1]! };
}

describe('the lore panel', () => {
  it('edits the author’s note: text, depth in paragraphs or tokens, and its wrapper; a bad depth waits to be fixed', () => {
    const { notes } = lorePanel();
    fireEvent.change(screen.getByTestId('note-input'), { target: { value: 'Tone: cold dread.' } });
    expect(notes.at(-1)).toEqual({ ...DEFAULT_NOTE, text: 'Tone: cold dread.' });
    fireEvent.change(screen.getByTestId('note-depth'), { target: { value: '5' } });
    fireEvent.change(screen.getByTestId('note-unit'), { target: { value: 'tokens' } });
    fireEvent.change(screen.getByLabelText('Text before the note'), { target: { value: '<' } });
    expect(notes.at(-1)).toEqual({ text: 'Tone: cold dread.', depth: 5, unit: 'tokens', prefix: '<', suffix: ' ]' });
    const before = notes.length;
    fireEvent.change(screen.getByTestId('note-depth'), { target: { value: '0' } });
    expect(notes).toHaveLength(before);
    expect(screen.getByText('Not used until fixed: a whole number from 1 to 1000.')).toBeTruthy();
    fireEvent.change(screen.getByTestId('note-depth'), { target: { value: '2' } });
    expect(notes.at(-1)?.depth).toBe(2);
    expect(screen.queryByText(/a whole number from 1 to 1000/)).toBeNull();
  });

  it('adds an entry, edits its title, keys and text, and keeps back a key that cannot run, saying why', () => {
    const { last } = lorePanel();
    expect(screen.getByText('No entries yet.')).toBeTruthy();
    fireEvent.click(screen.getByTestId('lore-add'));
    const entry = screen.getByTestId('lore-entry');
    fireEvent.change(within(entry).getByTestId('lore-entry-title'), { target: { value: 'Mere' } });
    fireEvent.change(within(entry).getByTestId('lore-entry-keys'), { target: { value: 'Mere\n/lamps?/i\n' } });
    fireEvent.change(within(entry).getByTestId('lore-entry-text'), { target: { value: 'Mere keeps the lighthouse.' } });
    expect(last().entries).toEqual([
      { ...newLoreEntry(last().entries[0]!.id), title: 'Mere', keys: ['Mere', '/lamps?/i'], text: 'Mere keeps the lighthouse.' },
    ]);
    expect(within(entry).getByText('Mere', { selector: '.lore-entry-name' })).toBeTruthy();

    fireEvent.change(within(entry).getByTestId('lore-entry-keys'), { target: { value: 'Mere\n/(?<=the )lamp/' } });
    expect(last().entries[0]!.keys).toEqual(['Mere', '/lamps?/i']);
    expect(within(entry).getByTestId('lore-key-problem').textContent).toMatch(
      /^Not used until fixed: the regex key \/\(\?<=the \)lamp\/ does not compile/,
    );

    fireEvent.click(within(entry).getByTestId('lore-entry-alwaysOn'));
    expect(last().entries[0]!.alwaysOn).toBe(true);
    fireEvent.click(within(entry).getByTestId('lore-entry-delete'));
    expect(last().entries).toEqual([]);
  });

  /** The lorebook's numbers: where each is typed, its bounds in the lorebook's schema, and where it lands. */
  const numbers = [
    {
      name: 'token budget',
      input: () => screen.getByTestId('lore-budget'),
      limits: LORE_LIMITS.budget,
      of: (book: Lorebook) => book.budget,
    },
    {
      name: 'entry’s scan depth',
      input: () => within(screen.getByTestId('lore-entry')).getByLabelText('Look back (characters)'),
      limits: LORE_LIMITS.scanDepth,
      of: (book: Lorebook) => book.entries[0]!.scanDepth,
    },
    {
      name: 'entry’s priority',
      input: () => within(screen.getByTestId('lore-entry')).getByLabelText('Priority'),
      limits: LORE_LIMITS.priority,
      of: (book: Lorebook) => book.entries[0]!.priority,
    },
  ];

  for (const { name, input, limits, of } of numbers) {
    it(`the ${name}: sent from ${limits.min} to ${limits.max}; outside them, a fraction or nothing is shown and kept back until fixed`, () => {
      const { books, last } = lorePanel();
      fireEvent.click(screen.getByTestId('lore-add'));
      const field = input() as HTMLInputElement;
      // The browser's own spinner and checks follow the same bounds.
      expect([field.min, field.max]).toEqual([String(limits.min), String(limits.max)]);
      expect(Number(field.value)).toBe(limits.default);
      const problem = `Not used until fixed: a whole number from ${limits.min} to ${limits.max}.`;

      for (const value of [limits.min, limits.max, limits.default + 1]) {
        fireEvent.change(field, { target: { value: String(value) } });
        expect(of(last())).toBe(value);
      }
      const sent = books.length;
      for (const typed of [String(limits.min - 1), String(limits.max + 1), '2.5', '']) {
        fireEvent.change(field, { target: { value: typed } });
        expect(books, `“${typed}” was sent`).toHaveLength(sent);
        expect(screen.getByText(problem)).toBeTruthy();
      }
      expect(of(last())).toBe(limits.default + 1);

      fireEvent.change(field, { target: { value: String(limits.min) } });
      expect(of(last())).toBe(limits.min);
      expect(screen.queryByText(problem)).toBeNull();
      // Every lorebook the panel sent is one the draft and the engine accept.
      for (const book of books) expect(lorebookSchema.safeParse(book).success).toBe(true);
    });
  }

  it('imports a SillyTavern file into the draft’s lorebook and says what it could not use', async () => {
    const { last } = lorePanel({ lorebook: { budget: 256, entries: [newLoreEntry('mine', { title: 'Mine', text: 'Mine.' })] } });
    const file = new File([fixture('harbour-sillytavern.json')], 'harbour.json', { type: 'application/json' });
    fireEvent.change(screen.getByTestId('lore-import-file'), { target: { files: [file] } });
    const outcome = await screen.findByTestId('lore-outcome');
    expect(outcome.textContent).toContain('Imported 4 entries from a SillyTavern World Info (.json) file.');
    expect(outcome.textContent).toContain('The entry “The lighthouse”: its secondary keys are not used by Kaituhi');
    expect(last().entries.map((e) => e.title)).toEqual(['Mine', 'Aroha', 'The lighthouse', 'Harbour law', 'Captain Rua']);
    expect(screen.getAllByTestId('lore-entry')).toHaveLength(5);
  });

  it('refuses a bad file with the reason, naming the entry, and changes nothing', async () => {
    const { books } = lorePanel();
    const bad = JSON.stringify({ lorebookVersion: 5, entries: [{ displayName: 'Storm', text: 'x', keys: ['/((a{10}){10}){10}/'] }] });
    fireEvent.change(screen.getByTestId('lore-import-file'), { target: { files: [new File([bad], 'storm.lorebook')] } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^The entry “Storm” \(number 1\): the regex key .* is too complex.*Nothing was imported\.$/);
    fireEvent.change(screen.getByTestId('lore-import-file'), { target: { files: [new File(['{not json'], 'x.json')] } });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^This file is not valid JSON/));
    expect(books).toEqual([]);
  });

  it('exports in the chosen format and reports where it went', async () => {
    const { onExport } = lorePanel({ lorebook: { budget: 256, entries: [newLoreEntry('mere', { text: 'Mere.' })] } });
    fireEvent.change(screen.getByTestId('lore-export-format'), { target: { value: 'koboldai' } });
    fireEvent.click(screen.getByTestId('lore-export'));
    expect((await screen.findByTestId('lore-outcome')).textContent).toBe('Downloaded Harbour lore (koboldai).');
    expect(onExport).toHaveBeenCalledWith('koboldai');
  });
});

/** A view as the engine gives it: memory, one lore entry, the story around the note; 5 of 14 tokens cached. */
const view: ContextView = {
  contextWindow: 64,
  segments: [
    { source: 'memory', text: 'Winter.\n', tokenIds: [35376, 13, 198], pieces: ['Win', 'ter.', '\n'] },
    {
      source: 'lore',
      entryId: 'mere',
      title: 'Mere',
      text: 'Mere keeps it.\n',
      tokenIds: [44, 533, 7622, 340, 13],
      pieces: ['M', 'ere', ' keeps', ' it', '.\n'],
    },
    { source: 'story', text: 'She ran.\n', tokenIds: [3347, 4966, 13], pieces: ['She', ' ran', '.\n'] },
    { source: 'note', text: '[ Cold ]\n', tokenIds: [58, 10250, 2361], pieces: ['[', ' Cold', ' ]\n'] },
  ],
  budget: { start: 0, memory: 3, lore: 5, note: 3, story: 3, reserved: 16 },
  leftOut: [
    { source: 'lore', entryId: 'storm', title: 'The storm', reason: 'over-budget', tokens: 40 },
    { source: 'story', reason: 'before-window', tokens: 256, chars: 2048 },
  ],
  promptTokens: 14,
  reusedTokens: 5,
  rereadFrom: { source: 'lore', entryId: 'mere', title: 'Mere', change: 'edited' },
};

describe('the context inspector', () => {
  it('with a server engine, says in the interface’s language why there is no window, and asks nothing', async () => {
    const inspectContext = vi.fn(async () => view);
    const props = {
      api: { app: { inspectContext } },
      engineReady: true,
      serverEngine: true,
      request: () => ({ context: 'x', maxTokens: 16 }),
      version: 0,
      onClose: vi.fn(),
    };
    const { unmount } = render(<ContextInspector {...props} />);
    expect(screen.getByTestId('inspector-server-engine').textContent).toMatch(/^With a server engine there is no window to show/);
    unmount();
    await i18n.changeLanguage('zh-CN');
    try {
      render(<ContextInspector {...props} />);
      expect(screen.getByTestId('inspector-server-engine').textContent).toMatch(/^使用服务器引擎时无法显示窗口/);
    } finally {
      await i18n.changeLanguage('en');
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(inspectContext).not.toHaveBeenCalled();
  });

  it('shows every token by source, what the cache holds, the window’s budget and what was left out and why', async () => {
    const inspectContext = vi.fn(async () => view);
    const request: PrefillRequest = { context: 'She ran.', maxTokens: 16 };
    render(<ContextInspector api={{ app: { inspectContext } }} engineReady request={() => request} version={0} onClose={vi.fn()} />);
    await screen.findByTestId('inspector-summary');
    expect(inspectContext).toHaveBeenCalledWith({ request });
    expect(screen.getByTestId('inspector-summary').textContent).toBe('14 tokens: 5 reused from the cache, 9 to compute.');
    expect(screen.getByTestId('inspector-warning').textContent).toBe(
      'Your change to the lore entry “Mere” makes the next suggestion re-read 9 tokens.',
    );

    const segments = screen.getAllByTestId('inspector-segment');
    expect(segments.map((s) => s.dataset.source)).toEqual(['memory', 'lore', 'story', 'note']);
    expect(segments[1]!.querySelector('.inspector-label')?.textContent).toBe('Lore · Mere · 5 tokens');
    const tokens = screen.getByTestId('inspector-tokens').querySelectorAll('.token');
    expect([...tokens].map((t) => t.textContent).join('')).toBe('Winter.\nMere keeps it.\nShe ran.\n[ Cold ]\n');
    expect([...tokens].map((t) => t.classList.contains('reused'))).toEqual([...Array(5).fill(true), ...Array(9).fill(false)]);
    expect(tokens[3]!.getAttribute('title')).toBe('#44');

    const bar = screen.getByTestId('budget-bar').querySelectorAll<HTMLElement>('.budget-part');
    expect([...bar].map((p) => [p.dataset.part, p.dataset.size, p.style.width])).toEqual([
      ['memory', '3', '4.6875%'],
      ['lore', '5', '7.8125%'],
      ['note', '3', '4.6875%'],
      ['story', '3', '4.6875%'],
      ['reserved', '16', '25%'],
      ['free', '34', '53.125%'],
    ]);
    expect(screen.getByTestId('budget-legend').textContent).toBe('Memory 3Lore 5Note 3Story 3Reserved 16Free 34');
    expect([...screen.getByTestId('inspector-left-out').querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Lore entry “The storm”: left out, over budget (40 tokens)',
      'Story before the window: left out (2048 characters and 256 tokens)',
    ]);
  });

  it('looks again when the text, the story or the cache changed, and says which change to memory or lore makes it re-read', async () => {
    let answer: ContextView = { ...view, rereadFrom: null, leftOut: [] };
    const inspectContext = vi.fn(async () => answer);
    const props = {
      api: { app: { inspectContext } },
      engineReady: true,
      request: () => ({ context: 'x', maxTokens: 8 }),
      onClose: vi.fn(),
    };
    const { rerender } = render(<ContextInspector {...props} version={1} />);
    await screen.findByText('Nothing was left out.');
    expect(screen.queryByTestId('inspector-warning')).toBeNull();
    answer = { ...view, reusedTokens: 1, rereadFrom: { source: 'memory', change: 'edited' } };
    rerender(<ContextInspector {...props} version={2} />);
    await waitFor(() =>
      expect(screen.getByTestId('inspector-warning').textContent).toBe(
        'Your change to memory makes the next suggestion re-read 13 tokens.',
      ),
    );
    answer = { ...view, reusedTokens: 3, rereadFrom: { source: 'lore', entryId: 'mere', title: 'Mere', change: 'entered' } };
    rerender(<ContextInspector {...props} version={3} />);
    await waitFor(() =>
      expect(screen.getByTestId('inspector-warning').textContent).toBe(
        'The lore entry “Mere” comes into the window: the next suggestion re-reads 11 tokens after it.',
      ),
    );
    answer = { ...view, reusedTokens: 3, rereadFrom: { source: 'lore', entryId: 'storm', title: 'The storm', change: 'left' } };
    rerender(<ContextInspector {...props} version={4} />);
    await waitFor(() =>
      expect(screen.getByTestId('inspector-warning').textContent).toBe(
        'The lore entry “The storm” leaves the window: the next suggestion re-reads 11 tokens from where it was.',
      ),
    );
    answer = { ...view, reusedTokens: 0, rereadFrom: { source: 'memory', change: 'removed' } };
    rerender(<ContextInspector {...props} version={5} />);
    await waitFor(() =>
      expect(screen.getByTestId('inspector-warning').textContent).toBe('Clearing memory makes the next suggestion re-read 14 tokens.'),
    );
    expect(inspectContext).toHaveBeenCalledTimes(5);
  });

  it('without a model it asks for one; an engine error is shown in words', async () => {
    const inspectContext = vi.fn(async () => Promise.reject(new Error('No model is loaded.')));
    const props = { api: { app: { inspectContext } }, request: () => ({ context: 'x', maxTokens: 8 }), version: 0, onClose: vi.fn() };
    const { rerender } = render(<ContextInspector {...props} engineReady={false} />);
    expect(screen.getByText('Load a model to see the window it reads.')).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(inspectContext).not.toHaveBeenCalled();
    rerender(<ContextInspector {...props} engineReady />);
    expect((await screen.findByRole('alert')).textContent).toBe('No model is loaded.');
  });

  it('speaks Chinese in the Chinese interface', async () => {
    await i18n.changeLanguage('zh-CN');
    try {
      render(
        <ContextInspector
          api={{ app: { inspectContext: async () => view } }}
          engineReady
          request={() => ({ context: 'x', maxTokens: 8 })}
          version={0}
          onClose={vi.fn()}
        />,
      );
      expect((await screen.findByTestId('inspector-summary')).textContent).toBe('共 14 个词元：5 个取自缓存，9 个需要计算。');
      expect(screen.getByTestId('inspector-warning').textContent).toBe('你对设定条目“Mere”的修改会让下一条提示重新读取 9 个词元。');
    } finally {
      await i18n.changeLanguage('en');
    }
  });
});
