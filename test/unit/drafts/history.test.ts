/**
 * A draft's history tree in the library: kept in history.json in the draft folder, bounded, restored when the
 * draft opens again, covered by the journal (a crash before the save loses none of it), never exported.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftLibrary, exportDraft, type DraftLibraryOptions } from '../../../electron/drafts/index.js';
import { HISTORY_FILE } from '../../../electron/drafts/history-file.js';
import { journalFileName } from '../../../electron/drafts/journal.js';
import { HISTORY_LIMITS, type HistoryOp, type NewHistoryNode } from '../../../electron/common/history.js';
import { DEFAULT_SAMPLER } from '../../../electron/common/generation.js';
import { FakeClock, faultyFs, tempDir, waitFor, whole } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let libs: DraftLibrary[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  for (const l of libs) await l.shutdown().catch(() => undefined);
  libs = [];
  await cleanup();
});

function make(extra: Partial<DraftLibraryOptions> = {}): { lib: DraftLibrary; clock: FakeClock } {
  const clock = new FakeClock();
  const lib = new DraftLibrary({ root: join(dir, 'Library'), stateDir: join(dir, 'state'), clock, watch: null, ...extra });
  libs.push(lib);
  return { lib, clock };
}

const historyFile = (id: string) => join(dir, 'Library', id, HISTORY_FILE);
const historyJournal = async (): Promise<string[]> =>
  (await readdir(join(dir, 'state', 'journal', 'history')).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));

function shown(id: string, text: string, extra: Partial<NewHistoryNode> = {}): NewHistoryNode {
  return {
    id,
    parent: null,
    before: 'The keeper climbed the stairs',
    text,
    kind: 'suggestion',
    created: 1000,
    sampler: { preset: null, settings: DEFAULT_SAMPLER },
    ...extra,
  };
}

const add = (...nodes: NewHistoryNode[]): HistoryOp[] => [{ op: 'add', nodes }];

describe('history in the draft folder', () => {
  it('is written by autosave, without rewriting the text, and read back when the draft opens again', async () => {
    const { lib, clock } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The keeper climbed the stairs');
    await lib.buffers.open(id);
    expect(await lib.buffers.history(id)).toEqual({ version: 1, nodes: [], samplers: [] });
    await lib.buffers.editHistory(id, add(shown('a', ' and looked out.'), shown('b', ' slowly.')));
    await lib.buffers.editHistory(id, [{ op: 'accept', id: 'b', time: 5000, tokens: [[0, -1.2, [[' slowly', -1.2]]]] }]);
    const textBefore = await readFile(join(dir, 'Library', id, 'text.md'), 'utf8');
    await clock.advance(1500);
    await waitFor(async () => (await readFile(historyFile(id), 'utf8').catch(() => '')).includes('slowly'));
    expect(await readFile(join(dir, 'Library', id, 'text.md'), 'utf8')).toBe(textBefore);
    expect(lib.buffers.buffer(id).dirty).toBe(false);
    await lib.buffers.close(id);

    const { lib: again } = make();
    await again.boot();
    await again.buffers.open(id);
    const tree = await again.buffers.history(id);
    expect(tree.nodes.map((n) => [n.id, n.text, n.accepted])).toEqual([
      ['a', ' and looked out.', null],
      ['b', ' slowly.', 5000],
    ]);
    expect(tree.nodes[1]?.tokens).toEqual([[0, -1.2, [[' slowly', -1.2]]]]);
  });

  it('stays within its bound on disk, and an operation that does not fit is refused with the tree unchanged', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'x');
    await lib.buffers.open(id);
    for (let i = 0; i < HISTORY_LIMITS.nodes + 40; i += 8) {
      const batch = Array.from({ length: 8 }, (_, k) => shown(`n${i + k}`, ` text ${i + k}`, { created: i + k }));
      await lib.buffers.editHistory(id, add(...batch));
    }
    await expect(lib.buffers.editHistory(id, [{ op: 'accept', id: 'missing', time: 1 }])).rejects.toThrow(/no node “missing”/);
    await lib.buffers.save(id);
    const onDisk = JSON.parse(await readFile(historyFile(id), 'utf8')) as { nodes: { id: string }[] };
    expect(onDisk.nodes).toHaveLength(HISTORY_LIMITS.nodes);
    expect(onDisk.nodes[0]?.id).toBe('n40');
  });

  it('after a crash, the journal restores the history of a draft whose text was saved', async () => {
    const { lib, clock } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The keeper climbed the stairs');
    await lib.buffers.open(id);
    await lib.buffers.editHistory(id, add(shown('a', ' and looked out.')));
    await clock.advance(300);
    await waitFor(async () => (await historyJournal()).length === 1);
    expect(await historyJournal()).toEqual([journalFileName(id)]);
    // The text journal is untouched: a shown suggestion did not change the text.
    expect((await readdir(join(dir, 'state', 'journal'))).filter((n) => n.endsWith('.json'))).toEqual([]);
    // Crash: abandoned before autosave.
    libs = [];

    const { lib: after } = make();
    const report = await after.boot();
    expect(report.recovered).toEqual([]);
    expect(report.unreadableJournal).toEqual([]);
    expect(await historyJournal()).toEqual([]);
    await after.buffers.open(id);
    expect((await after.buffers.history(id)).nodes.map((n) => n.text)).toEqual([' and looked out.']);
  });

  it('after a crash, a recovered draft gets its text and its history back, and both are saved', async () => {
    const { lib, clock } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The keeper');
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('The keeper climbed the stairs slowly.'), { modelSpans: [{ start: 29, end: 37 }] });
    await lib.buffers.editHistory(id, add(shown('b', ' slowly.')));
    await lib.buffers.editHistory(id, [{ op: 'accept', id: 'b', time: 7000 }]);
    await clock.advance(300);
    await waitFor(async () => (await historyJournal()).length === 1 && (await readdir(join(dir, 'state', 'journal'))).length === 2);
    libs = [];

    const { lib: after } = make();
    const report = await after.boot();
    expect(report.recovered.map((r) => r.id)).toEqual([id]);
    await after.buffers.open(id);
    expect((await after.buffers.history(id)).nodes).toMatchObject([{ id: 'b', accepted: 7000 }]);
    await after.buffers.save(id);
    expect(await readFile(join(dir, 'Library', id, 'text.md'), 'utf8')).toBe('The keeper climbed the stairs slowly.');
    expect(JSON.parse(await readFile(historyFile(id), 'utf8'))).toMatchObject({ nodes: [{ id: 'b', accepted: 7000 }] });
    expect(await historyJournal()).toEqual([]);
  });

  it('a history that cannot be saved stays in memory and in the journal, and the text still saves', async () => {
    let failHistory = true;
    const fs = faultyFs((op, path) => (failHistory && op === 'rename' && path.endsWith(HISTORY_FILE) ? 'ENOSPC' : undefined));
    const { lib } = make({ fs });
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The keeper');
    await lib.buffers.open(id);
    lib.buffers.edit(id, whole('The keeper climbed.'));
    await lib.buffers.editHistory(id, add(shown('a', ' and looked out.')));
    await expect(lib.buffers.save(id)).rejects.toMatchObject({ code: 'disk-full' });
    expect(await readFile(join(dir, 'Library', id, 'text.md'), 'utf8')).toBe('The keeper climbed.');
    expect(await historyJournal()).toEqual([journalFileName(id)]);
    failHistory = false;
    await lib.buffers.save(id);
    expect(JSON.parse(await readFile(historyFile(id), 'utf8'))).toMatchObject({ nodes: [{ id: 'a' }] });
    expect(await historyJournal()).toEqual([]);
  });

  it('an unreadable history.json costs the history, not the draft, and is kept aside', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The keeper');
    await writeFile(historyFile(id), '{"version":1,"nodes":[{"id":');
    const draft = await lib.buffers.open(id);
    expect(draft.text).toBe('The keeper');
    expect((await lib.buffers.history(id)).nodes).toEqual([]);
    expect(lib.buffers.buffer(id).problems.join(' ')).toMatch(/history\.json could not be read/);
    await lib.buffers.editHistory(id, add(shown('a', ' again.')));
    await lib.buffers.save(id);
    const names = await readdir(join(dir, 'Library', id));
    expect(names.some((n) => n.startsWith(`${HISTORY_FILE}.unreadable-`))).toBe(true);
  });

  it('never reaches an export', async () => {
    const { lib } = make();
    await lib.boot();
    const { id } = await lib.catalog.create('Story', 'The keeper climbed the stairs.');
    await lib.buffers.open(id);
    await lib.buffers.editHistory(id, add(shown('a', ' zebra-crossing nonsense')));
    await lib.buffers.save(id);
    for (const format of ['txt', 'md', 'html', 'epub'] as const) {
      const made = await exportDraft(format, await lib.buffers.exportSource(id), { chapterBreaks: false, modelSpans: 'mark' });
      const bytes = Buffer.from(made.bytes);
      // An EPUB is a zip: its chapter is deflated, so look for the node's text in neither form.
      expect(bytes.includes('zebra-crossing'), format).toBe(false);
      if (format !== 'epub') expect(bytes.toString('utf8')).toContain('The keeper climbed the stairs.');
    }
  });
});
