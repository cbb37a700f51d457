/** Model-written text and its marks leave the editor in one message, so a crash cannot keep one without the other. */
import { describe, expect, it } from 'vitest';
import type { DraftEdit, ModelSpan } from '../../../electron/shared/drafts-api.js';
import { EditQueue } from '../../../renderer/drafts/edit-queue.js';

function queue(): { edits: EditQueue; sent: { edit: DraftEdit; modelSpans: ModelSpan[] | undefined }[]; marks: ModelSpan[] } {
  const sent: { edit: DraftEdit; modelSpans: ModelSpan[] | undefined }[] = [];
  const marks: ModelSpan[] = [];
  const edits = new EditQueue({ send: (edit, modelSpans) => sent.push({ edit, modelSpans }), spans: () => marks.map((m) => ({ ...m })) });
  return { edits, sent, marks };
}

describe('edits and marks', () => {
  it('an inserted card goes out as one edit carrying both its text and its mark', async () => {
    const { edits, sent, marks } = queue();
    // What inserting a card does: the text lands (a content event), then the same task marks it.
    edits.push([{ offset: 12, deleteCount: 0, text: ' The tide turned.' }], 29);
    marks.push({ start: 12, end: 29 });
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toEqual([
      {
        edit: { kind: 'changes', changes: [{ offset: 12, deleteCount: 0, text: ' The tide turned.' }], length: 29 },
        modelSpans: [{ start: 12, end: 29 }],
      },
    ]);
  });

  it('several events of one task go in order, each in its own coordinates, the marks with the last', async () => {
    const { edits, sent, marks } = queue();
    edits.push([{ offset: 0, deleteCount: 0, text: 'A' }], 1);
    edits.push([{ offset: 1, deleteCount: 0, text: 'B' }], 2);
    marks.push({ start: 0, end: 2 });
    await Promise.resolve();
    expect(sent.map((s) => [s.edit.kind === 'changes' ? s.edit.length : -1, s.modelSpans])).toEqual([
      [1, undefined],
      [2, [{ start: 0, end: 2 }]],
    ]);
  });

  it('a typed key carries the marks too (they moved with the text), and a save does not overtake queued edits', async () => {
    const { edits, sent, marks } = queue();
    marks.push({ start: 5, end: 9 });
    edits.push([{ offset: 0, deleteCount: 0, text: 'x' }], 10);
    edits.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.modelSpans).toEqual([{ start: 5, end: 9 }]);
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    edits.push([{ offset: 0, deleteCount: 1, text: '' }], 9);
    edits.clear();
    await Promise.resolve();
    expect(sent).toHaveLength(1);
  });
});
