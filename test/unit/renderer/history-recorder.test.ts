/**
 * The history recorder driven as the editor drives it: suggestions shown and not taken, candidate cards, a card
 * regenerated, what the writer accepted, and the spot the History panel shows. The draft's text is a plain string
 * and the drafts service a copy of the tree kept with the same operations.
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SAMPLER } from '../../../electron/common/generation.js';
import {
  applyHistoryOps,
  emptyHistory,
  HISTORY_LIMITS,
  type HistoryOp,
  type HistoryToken,
  type HistoryTree,
} from '../../../electron/common/history.js';
import { HistoryRecorder, type HistoryRecorderDeps } from '../../../renderer/history/history-recorder.js';

const PROMPT = 'The lighthouse keeper climbed the stairs';
const SAMPLER = { preset: 'Balanced', settings: DEFAULT_SAMPLER };

/** A recorder on a draft whose text the test writes, and the service's copy of its tree. */
async function recorderOn(initial: string, refuse: (ops: readonly HistoryOp[]) => boolean = () => false) {
  const draft = { text: initial, open: true };
  const service = { tree: emptyHistory() };
  const problems: string[] = [];
  const api: HistoryRecorderDeps['api'] = {
    drafts: {
      draftHistory: vi.fn(async () => service.tree),
      editHistory: vi.fn(async ({ ops }: { id: string; ops: HistoryOp[] }) => {
        if (refuse(ops)) throw new Error('The history could not be changed.');
        service.tree = applyHistoryOps(service.tree, ops);
        return null;
      }),
    },
  };
  const recorder = new HistoryRecorder({
    api,
    text: { length: () => (draft.open ? draft.text.length : null), slice: (start, end) => draft.text.slice(start, end) },
    sampler: () => SAMPLER,
    onTree: vi.fn(),
    onProblem: (message) => problems.push(message),
  });
  await recorder.open('story');
  /** The service, sent the same operations in order, comes to hold the same tree. */
  const agree = () => vi.waitFor(() => expect(service.tree).toEqual(recorder.tree));
  return { recorder, draft, service, problems, agree };
}

const shape = (tree: HistoryTree) =>
  tree.nodes.map(({ kind, text, parent, accepted }) => ({ kind, text, parent, accepted: accepted !== null }));

describe('the history recorder', () => {
  it('records suggestions shown and never taken, cards, a regenerated card and the card accepted, all at the spot they continued', async () => {
    const { recorder, draft, agree } = await recorderOn(PROMPT);
    const end = PROMPT.length;

    // Ghost text with two alternatives: both are nodes, neither accepted; shown again at the same spot, the same nodes.
    recorder.suggestionsShown(end, [{ text: ' and looked out' }, { text: ' slowly' }]);
    recorder.suggestionsShown(end, [{ text: ' slowly' }]);
    // Ctrl+Enter: two cards; Regenerate on the second writes a third.
    const card = recorder.cardWritten(end, { text: ' to the lamp room.' }, false)!;
    recorder.cardWritten(end, { text: ' one last time.' }, false);
    const regenerated = recorder.cardWritten(end, { text: ' in the dark.' }, true)!;
    expect(shape(recorder.tree)).toEqual([
      { kind: 'suggestion', text: ' and looked out', parent: null, accepted: false },
      { kind: 'suggestion', text: ' slowly', parent: null, accepted: false },
      { kind: 'card', text: ' to the lamp room.', parent: null, accepted: false },
      { kind: 'card', text: ' one last time.', parent: null, accepted: false },
      { kind: 'regenerate', text: ' in the dark.', parent: null, accepted: false },
    ]);
    // Each keeps the text it continued, and the sampler it was written with.
    expect(new Set(recorder.tree.nodes.map((node) => node.before))).toEqual(new Set([PROMPT.slice(-HISTORY_LIMITS.beforeChars)]));
    expect(recorder.tree.samplers).toEqual([SAMPLER]);

    // The writer inserts the first card: accepted; a suggestion after it continues it.
    draft.text = `${PROMPT} to the lamp room.`;
    recorder.accepted(card);
    recorder.suggestionsShown(draft.text.length, [{ text: ' The glass was cold.' }]);
    const [, , accepted, , , after] = shape(recorder.tree);
    expect(accepted).toEqual({ kind: 'card', text: ' to the lamp room.', parent: null, accepted: true });
    expect(after).toEqual({ kind: 'suggestion', text: ' The glass was cold.', parent: card, accepted: false });

    // The History panel at the card: every node written at that spot, the card standing there, what followed it.
    const spot = recorder.spotAt(end + 3)!;
    expect(spot.position).toBe(end);
    expect(spot.siblings.map((node) => node.text)).toEqual([
      ' and looked out',
      ' slowly',
      ' to the lamp room.',
      ' one last time.',
      ' in the dark.',
    ]);
    expect(spot.current?.id).toBe(card);
    expect(spot.children.map((node) => node.text)).toEqual([' The glass was cold.']);
    // Putting the regenerated card back in replaces the card that stands there.
    const regeneratedNode = recorder.tree.nodes.find((node) => node.id === regenerated)!;
    expect(recorder.placeFor(regeneratedNode, end + 3)).toEqual({ start: end, replaces: ' to the lamp room.'.length });

    await agree();
  });

  it('a suggestion taken word by word: the part taken is accepted, the rest stays a shown child', async () => {
    const { recorder, draft, agree } = await recorderOn(PROMPT);
    const end = PROMPT.length;
    const tokens: HistoryToken[] = [
      [0, -0.5, [[' and', -0.5]]],
      [4, -1, [[' looked', -1]]],
      [11, -2, [[' out', -2]]],
    ];
    recorder.suggestionsShown(end, [{ text: ' and looked out', tokens }]);
    const offered = recorder.tree.nodes[0]!.id;

    // Ctrl+→ took " and": that much stands in the text.
    draft.text = `${PROMPT} and`;
    // The mark gets every token's alternatives; the node keeps those of the words taken.
    expect(recorder.suggestionAccepted(end, ' and looked out')).toEqual(tokens);
    expect(shape(recorder.tree)).toEqual([
      { kind: 'suggestion', text: ' and', parent: null, accepted: true },
      { kind: 'suggestion', text: ' looked out', parent: offered, accepted: false },
    ]);
    expect(recorder.tree.nodes[0]!.tokens).toEqual([tokens[0]]);

    // Tab took the rest.
    draft.text = `${PROMPT} and looked out`;
    recorder.suggestionAccepted(end, ' and looked out');
    expect(shape(recorder.tree).map((node) => node.accepted)).toEqual([true, true]);
    expect(recorder.tree.nodes[1]!.tokens).toEqual([
      [0, -1, [[' looked', -1]]],
      [7, -2, [[' out', -2]]],
    ]);
    await agree();
  });

  it('records nothing without a draft, nor empty or oversized text', async () => {
    const { recorder, draft } = await recorderOn(PROMPT);
    expect(recorder.cardWritten(PROMPT.length, { text: '' }, false)).toBeNull();
    expect(recorder.cardWritten(PROMPT.length, { text: 'x'.repeat(HISTORY_LIMITS.nodeChars + 1) }, false)).toBeNull();
    draft.open = false;
    expect(recorder.cardWritten(PROMPT.length, { text: ' and on.' }, false)).toBeNull();
    draft.open = true;
    await recorder.open(null);
    expect(recorder.cardWritten(PROMPT.length, { text: ' and on.' }, false)).toBeNull();
    expect(recorder.tree.nodes).toEqual([]);
  });

  it('a change the service refuses is reported, and the service’s tree is loaded again', async () => {
    const { recorder, service, problems } = await recorderOn(PROMPT, (ops) => ops.some((op) => op.op === 'accept'));
    const card = recorder.cardWritten(PROMPT.length, { text: ' to the lamp room.' }, false)!;
    recorder.accepted(card);
    expect(recorder.tree.nodes[0]!.accepted).not.toBeNull();
    await vi.waitFor(() => expect(problems).toEqual(['The history could not be changed.']));
    await vi.waitFor(() => expect(recorder.tree).toEqual(service.tree));
    expect(recorder.tree.nodes[0]!.accepted).toBeNull();
  });
});
