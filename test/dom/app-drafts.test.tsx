/**
 * The drafts UI without Monaco: the library sidebar, the conflict bar, the draft panel (memory and its
 * share of the window, words, snapshots), the export panel, the save word and notices, and the sliced
 * word counter the status bar uses for long drafts.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DraftsSidebar, type DraftsSidebarProps } from '../../renderer/drafts/DraftsSidebar.js';
import { ConflictBar } from '../../renderer/drafts/ConflictBar.js';
import { DraftPanel, type DraftPanelApi, type DraftPanelProps } from '../../renderer/drafts/DraftPanel.js';
import { ExportPanel } from '../../renderer/drafts/ExportPanel.js';
import { SaveIndicator } from '../../renderer/drafts/SaveIndicator.js';
import { draftNotices } from '../../renderer/drafts/draft-notices.js';
import { i18n } from '../../renderer/i18n/index.js';
import { WordCounter, type LineSource } from '../../renderer/editor/word-counter.js';
import { countWords } from '../../electron/common/word-count.js';
import { DEFAULT_NOTE, EMPTY_LOREBOOK } from '../../electron/common/lore.js';
import type { DraftsApi, DraftSummary, OpenDraft, SnapshotInfo } from '../../electron/shared/api.js';

afterEach(cleanup);

const summary = (id: string, title: string, extra: Partial<DraftSummary> = {}): DraftSummary => ({
  id,
  title,
  created: '2025-01-15T12:00:00.000Z',
  modified: '2025-01-15T12:00:00.000Z',
  words: 1200,
  open: false,
  dirty: false,
  ...extra,
});

/** Every call rejects unless the test gives it an answer, so a call nobody expected shows up as a failure. */
function fakeDrafts(answers: Partial<DraftsApi>): DraftsApi {
  const unexpected = new Map<string, () => Promise<never>>();
  return new Proxy(answers as DraftsApi, {
    get: (target, method) => {
      if (typeof method !== 'string' || method === 'then') return undefined;
      const answer = (target as Record<string, unknown>)[method];
      if (answer) return answer;
      if (!unexpected.has(method))
        unexpected.set(
          method,
          vi.fn(async () => Promise.reject(new Error(`${method} was not expected`))),
        );
      return unexpected.get(method);
    },
  });
}

function sidebarProps(overrides: Partial<DraftsSidebarProps> = {}): DraftsSidebarProps {
  return {
    drafts: [summary('harbour-1', 'The Harbour', { dirty: true }), summary('road-2', 'The Long Road', { words: 1 })],
    trash: [{ trashId: 'storm-3~20250115T120000000Z', id: 'storm-3', title: 'Storm', trashedAt: '2025-01-15T12:00:00.000Z' }],
    currentId: 'harbour-1',
    query: '',
    onQuery: vi.fn(),
    onOpen: vi.fn(),
    onCreate: vi.fn(),
    onRename: vi.fn(),
    onDuplicate: vi.fn(),
    onTrash: vi.fn(),
    onRestore: vi.fn(),
    ...overrides,
  };
}

describe('drafts sidebar', () => {
  it('lists drafts with words and unsaved state, marks the current one, and searches by title', () => {
    const props = sidebarProps();
    render(<DraftsSidebar {...props} />);
    const items = screen.getAllByTestId('draft-item');
    expect(items.map((item) => item.querySelector('.draft-title')?.textContent)).toEqual(['The Harbour', 'The Long Road']);
    expect(items[0]!.className).toBe('current');
    expect(items[0]!.textContent).toContain('1,200 w · unsaved');
    fireEvent.change(screen.getByTestId('drafts-search'), { target: { value: 'road' } });
    expect(props.onQuery).toHaveBeenCalledWith('road');
    fireEvent.click(screen.getByText('The Long Road'));
    expect(props.onOpen).toHaveBeenCalledWith('road-2');
    fireEvent.click(screen.getByTestId('new-draft'));
    expect(props.onCreate).toHaveBeenCalled();
  });

  it('renames on Enter (not on Escape or an unchanged title), duplicates and moves to the trash', () => {
    const props = sidebarProps();
    render(<DraftsSidebar {...props} />);
    fireEvent.click(screen.getByLabelText('Rename The Long Road'));
    const input = screen.getByLabelText('Draft title');
    fireEvent.change(input, { target: { value: '  The Short Road ' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(props.onRename).toHaveBeenCalledWith('road-2', 'The Short Road');

    fireEvent.doubleClick(screen.getByText('The Harbour'));
    fireEvent.keyDown(screen.getByLabelText('Draft title'), { key: 'Escape' });
    expect(screen.queryByLabelText('Draft title')).toBeNull();
    expect(props.onRename).toHaveBeenCalledTimes(1);

    fireEvent.click(screen.getByLabelText('Duplicate The Harbour'));
    expect(props.onDuplicate).toHaveBeenCalledWith('harbour-1');
    fireEvent.click(screen.getByLabelText('Delete The Harbour'));
    expect(props.onTrash).toHaveBeenCalledWith('harbour-1');
  });

  it('shows the trash on demand and restores from it', () => {
    const props = sidebarProps();
    const { rerender } = render(<DraftsSidebar {...props} />);
    expect(screen.queryByText('Storm')).toBeNull();
    fireEvent.click(screen.getByTestId('trash-toggle'));
    expect(screen.getByTestId('trash-toggle').textContent).toBe('Trash (1)');
    fireEvent.click(screen.getByLabelText('Restore Storm'));
    expect(props.onRestore).toHaveBeenCalledWith('storm-3~20250115T120000000Z');
    rerender(<DraftsSidebar {...props} trash={[]} />);
    expect(screen.getByText('The trash is empty.')).toBeTruthy();
  });
});

describe('conflict bar', () => {
  it('says how much is on disk and passes the writer’s choice on', () => {
    const onKeep = vi.fn();
    render(<ConflictBar title="The Harbour" diskText="  Four words on disk. " onKeep={onKeep} />);
    expect(screen.getByTestId('draft-conflict').textContent).toContain('“The Harbour” was changed by another program (4 words on disk)');
    fireEvent.click(screen.getByTestId('keep-mine'));
    fireEvent.click(screen.getByTestId('keep-theirs'));
    expect(onKeep.mock.calls).toEqual([['mine'], ['theirs']]);
  });
});

const snapshot: SnapshotInfo = {
  id: '20250115T120000000Z-0f3a',
  name: 'Before the storm',
  created: '2025-01-15T12:00:00.000Z',
  reason: 'manual',
  words: 3,
};
const restored: OpenDraft = {
  id: 'harbour-1',
  title: 'The Harbour',
  text: 'The old text.',
  memory: '',
  note: DEFAULT_NOTE,
  lorebook: EMPTY_LOREBOOK,
  modelSpans: [],
  cursor: null,
  suggestionMode: null,
  created: snapshot.created,
  modified: snapshot.created,
  dirty: false,
  recovered: false,
  conflict: null,
  problems: [],
};

function draftPanel(api: DraftPanelApi, overrides: Partial<DraftPanelProps> = {}) {
  const props: DraftPanelProps = {
    api,
    draftId: 'harbour-1',
    memory: 'Mere keeps the lighthouse.',
    suggestionMode: null,
    settingsSuggestionMode: 'automatic',
    engineReady: true,
    contextWindow: 1024,
    wordsVersion: 0,
    onMemory: vi.fn(),
    onSuggestionMode: vi.fn(),
    onRestored: vi.fn(),
    onClose: vi.fn(),
    ...overrides,
  };
  return { props, ...render(<DraftPanel {...props} />) };
}

describe('draft panel', () => {
  it('counts the memory’s tokens against the window, and warns past half of it', async () => {
    const countTokens = vi.fn(async ({ text }: { text: string }) => (text.length > 100 ? 600 : 7));
    const api: DraftPanelApi = {
      app: { countTokens },
      drafts: fakeDrafts({
        draftWordStats: vi.fn(async () => ({ words: 1200, today: 150, dailyGoal: 500 })),
        listSnapshots: vi.fn(async () => []),
      }),
    };
    const { props, rerender } = draftPanel(api);
    await waitFor(() => expect(screen.getByTestId('memory-tokens').textContent).toBe('Memory takes 7 of the model’s 1024 positions.'));
    expect(countTokens).toHaveBeenCalledWith({ text: 'Mere keeps the lighthouse.' });
    expect(screen.getByTestId('words-today').textContent).toBe('1,200 in this draft · 150 today of 500');
    fireEvent.change(screen.getByTestId('memory-input'), { target: { value: 'Mere keeps the lighthouse. Her brother sails.' } });
    expect(props.onMemory).toHaveBeenCalledWith('Mere keeps the lighthouse. Her brother sails.');
    rerender(<DraftPanel {...props} memory={'x'.repeat(200)} />);
    await waitFor(() => expect(screen.getByTestId('memory-tokens').textContent).toBe('Memory takes 600 of the model’s 1024 positions.'));
    expect(screen.getByTestId('memory-tokens').className).toContain('warn');
  });

  it('without a model it says why there is no count', () => {
    const api: DraftPanelApi = {
      app: { countTokens: vi.fn() },
      drafts: fakeDrafts({
        draftWordStats: vi.fn(async () => ({ words: 0, today: 0, dailyGoal: null })),
        listSnapshots: vi.fn(async () => []),
      }),
    };
    draftPanel(api, { engineReady: false });
    expect(screen.getByTestId('memory-tokens').textContent).toMatch(/Load a model/);
    expect(api.app.countTokens).not.toHaveBeenCalled();
  });

  it('gives the draft its own suggestion mode, or lets it follow Settings (and says what Settings say)', () => {
    const api: DraftPanelApi = {
      app: { countTokens: vi.fn(async () => 1) },
      drafts: fakeDrafts({
        draftWordStats: vi.fn(async () => ({ words: 0, today: 0, dailyGoal: null })),
        listSnapshots: vi.fn(async () => []),
      }),
    };
    const { props, rerender } = draftPanel(api, { settingsSuggestionMode: 'manual' });
    const select = screen.getByLabelText('Suggestions in this draft') as HTMLSelectElement;
    expect(select.value).toBe('settings');
    expect(select.options[0]?.text).toBe('As in Settings: Only on Alt+\\');
    fireEvent.change(select, { target: { value: 'automatic' } });
    expect(props.onSuggestionMode).toHaveBeenLastCalledWith('automatic');
    rerender(<DraftPanel {...props} suggestionMode="automatic" />);
    expect(select.value).toBe('automatic');
    fireEvent.change(select, { target: { value: 'settings' } });
    expect(props.onSuggestionMode).toHaveBeenLastCalledWith(null);
  });

  it('takes, compares and restores snapshots', async () => {
    let list: SnapshotInfo[] = [];
    const takeSnapshot = vi.fn(async ({ name }: { id: string; name: string }) => {
      const taken = { ...snapshot, name };
      list = [taken];
      return taken;
    });
    const restoreSnapshot = vi.fn(async () => restored);
    const api: DraftPanelApi = {
      app: { countTokens: vi.fn(async () => 7) },
      drafts: fakeDrafts({
        draftWordStats: vi.fn(async () => ({ words: 5, today: 5, dailyGoal: null })),
        listSnapshots: vi.fn(async () => list),
        takeSnapshot,
        compareSnapshot: vi.fn(async () => ({
          chunks: [
            { kind: 'same' as const, text: 'The ' },
            { kind: 'removed' as const, text: 'old' },
            { kind: 'added' as const, text: 'new' },
            { kind: 'same' as const, text: ' text.' },
          ],
          wordsAdded: 1,
          wordsRemoved: 1,
          coarse: false,
        })),
        restoreSnapshot,
      }),
    };
    const { props } = draftPanel(api);
    await screen.findByText('No snapshots yet.');
    fireEvent.change(screen.getByLabelText('Snapshot name'), { target: { value: 'Before the storm' } });
    fireEvent.click(screen.getByTestId('take-snapshot'));
    await screen.findByText('Before the storm');
    expect(takeSnapshot).toHaveBeenCalledWith({ id: 'harbour-1', name: 'Before the storm' });
    expect(screen.getByTestId('snapshot-item').textContent).toContain('3 w');

    fireEvent.click(screen.getByText('Compare'));
    const diff = await screen.findByTestId('snapshot-diff');
    expect(diff.textContent).toContain('“Before the storm” → now: +1 / −1 words');
    expect(diff.querySelector('del')?.textContent).toBe('old');
    expect(diff.querySelector('ins')?.textContent).toBe('new');

    fireEvent.click(screen.getByText('Restore'));
    await waitFor(() => expect(props.onRestored).toHaveBeenCalledWith(restored));
    expect(restoreSnapshot).toHaveBeenCalledWith({ id: 'harbour-1', snapshotId: snapshot.id });
    await waitFor(() => expect(screen.queryByTestId('snapshot-diff')).toBeNull());
  });

  it('shows a failed snapshot in words', async () => {
    const api: DraftPanelApi = {
      app: { countTokens: vi.fn(async () => 7) },
      drafts: fakeDrafts({
        draftWordStats: vi.fn(async () => ({ words: 5, today: 5, dailyGoal: null })),
        listSnapshots: vi.fn(async () => []),
        takeSnapshot: vi.fn(async () => Promise.reject(new Error('The disk is full.'))),
      }),
    };
    draftPanel(api);
    fireEvent.click(screen.getByTestId('take-snapshot'));
    expect((await screen.findByRole('alert')).textContent).toBe('The disk is full.');
  });
});

describe('export panel', () => {
  it('sends the options and hands the bytes to the browser as a download', async () => {
    const exportDraft = vi.fn(async () => ({
      kind: 'download' as const,
      fileName: 'The Harbour.epub',
      mimeType: 'application/epub+zip',
      base64: Buffer.from('PK').toString('base64'),
    }));
    const createObjectURL = vi.fn(() => 'blob:kaituhi/1');
    const revokeObjectURL = vi.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicks: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(`${this.download} ${this.href}`);
    });
    render(<ExportPanel api={{ drafts: fakeDrafts({ exportDraft }) }} draftId="harbour-1" draftTitle="The Harbour" onClose={vi.fn()} />);
    fireEvent.change(screen.getByTestId('export-format'), { target: { value: 'epub' } });
    fireEvent.change(screen.getByTestId('export-author'), { target: { value: '  A. Keeper ' } });
    fireEvent.click(screen.getByLabelText('Mark them'));
    fireEvent.click(screen.getByTestId('export-button'));
    expect((await screen.findByTestId('export-outcome')).textContent).toBe('Downloaded The Harbour.epub.');
    expect(exportDraft).toHaveBeenCalledWith({
      id: 'harbour-1',
      format: 'epub',
      options: { title: 'The Harbour', author: 'A. Keeper', chapterBreaks: true, modelSpans: 'mark' },
    });
    expect(clicks).toEqual(['The Harbour.epub blob:kaituhi/1']);
    click.mockRestore();
  });

  it('shows a failure as an alert', async () => {
    const exportDraft = vi.fn(async () => Promise.reject(new Error('Could not write the file.')));
    render(<ExportPanel api={{ drafts: fakeDrafts({ exportDraft }) }} draftId="harbour-1" draftTitle="The Harbour" onClose={vi.fn()} />);
    fireEvent.click(screen.getByTestId('export-button'));
    expect((await screen.findByRole('alert')).textContent).toBe('Could not write the file.');
  });
});

describe('save word and notices', () => {
  it('says Saved, Editing… or Not saved (with why on hover)', () => {
    const { rerender } = render(<SaveIndicator status={{ kind: 'saved' }} />);
    expect(screen.getByTestId('save-status').textContent).toBe('Saved');
    rerender(<SaveIndicator status={{ kind: 'unsaved' }} />);
    expect(screen.getByTestId('save-status').textContent).toBe('Editing…');
    rerender(<SaveIndicator status={{ kind: 'failed', message: 'The disk is full.' }} />);
    expect(screen.getByTestId('save-status').getAttribute('title')).toBe('The disk is full.');
  });

  it('tells the writer what was recovered and what failed', () => {
    const notices = draftNotices(
      {
        startup: {
          libraryDir: '/lib',
          recovered: [{ id: 'a', title: 'Storm', words: 1, conflict: true }],
          lastOpened: null,
          problems: ['library.json was damaged'],
          problem: null,
        },
        status: { kind: 'failed', message: 'The disk is full.' },
        problem: null,
      },
      i18n.t,
    );
    expect(notices.map((n) => n.text)).toEqual([
      'Recovered unsaved text in “Storm” (1 word) after Kaituhi stopped unexpectedly. Some of it differs from the file on disk: Kaituhi will ask which to keep.',
      'library.json was damaged',
      'Not saved: The disk is full.',
    ]);
    expect(notices.find((n) => n.id === 'save-failed')?.dismissible).toBe(false);
  });
});

/** A text model stand-in: lines, a version that moves on every edit. */
class Lines implements LineSource {
  version = 1;
  reads = 0;
  constructor(public lines: string[]) {}
  getVersionId() {
    return this.version;
  }
  getLineCount() {
    return this.lines.length;
  }
  getLineContent(n: number) {
    this.reads += 1;
    return this.lines[n - 1]!;
  }
  isDisposed() {
    return false;
  }
}

describe('sliced word counter', () => {
  const text = Array.from({ length: 2000 }, (_, i) => (i % 3 === 2 ? '' : `Line ${i}: the keeper’s log, “don’t” — 灯塔 ${i}.`)).join('\n');

  it('gives the same total as counting the whole text, in slices with the frame given back in between', () => {
    let clock = 0;
    const queued: (() => void)[] = [];
    const counter = new WordCounter({ sliceMs: 5, now: () => (clock += 1), yieldToFrame: (next) => queued.push(next) });
    const model = new Lines(text.split('\n'));
    let total: number | null = null;
    counter.count(model, (words) => (total = words));
    let slices = 1;
    while (queued.length > 0) {
      queued.shift()!();
      slices += 1;
    }
    expect(total).toBe(countWords(text));
    expect(slices).toBeGreaterThan(3);
  });

  it('drops a count the text moved on from, and a count another count replaced', () => {
    const queued: (() => void)[] = [];
    let clock = 0;
    const counter = new WordCounter({ sliceMs: 1, now: () => (clock += 1), yieldToFrame: (next) => queued.push(next) });
    const model = new Lines(text.split('\n'));
    const totals: number[] = [];
    counter.count(model, (words) => totals.push(words));
    model.version += 1;
    while (queued.length > 0) queued.shift()!();
    expect(totals).toEqual([]);

    counter.count(model, (words) => totals.push(words));
    counter.count(model, (words) => totals.push(-words));
    while (queued.length > 0) queued.shift()!();
    expect(totals).toEqual([-countWords(text)]);
  });

  it('after a one-line edit, segments only that line again', () => {
    const countLine = vi.fn(countWords);
    const counter = new WordCounter({ yieldToFrame: (next) => next(), countLine });
    const model = new Lines(text.split('\n'));
    let total = 0;
    counter.count(model, (words) => (total = words));
    countLine.mockClear();
    model.lines[10] = `${model.lines[10]} and one more word`;
    model.version += 1;
    counter.count(model, (words) => (total = words));
    expect(countLine).toHaveBeenCalledTimes(1);
    expect(total).toBe(countWords(model.lines.join('\n')));
  });
});
