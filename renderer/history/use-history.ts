import { useCallback, useEffect, useRef, useState } from 'react';
import type { KaituhiApi } from '../../electron/shared/api.js';
import { emptyHistory, type HistoryNode, type HistoryTree, type SamplerUsed } from '../../electron/common/history.js';
import type { EditorHandle } from '../editor/ProseEditor.js';
import { monaco } from '../editor/monaco.js';
import { HistoryRecorder, type DraftText } from './history-recorder.js';
import type { HistorySpot } from './locate.js';

export interface HistoryController {
  /** Null until the editor exists. */
  readonly recorder: HistoryRecorder | null;
  readonly tree: HistoryTree;
  /** The tree at the cursor, kept current while `watching`. */
  readonly spot: HistorySpot | null;
  readonly problem: string | null;
  /** Puts a node's text in place of what stands at its spot, as one undo step, marked as the model's. */
  putIn(node: HistoryNode): void;
}

/** How long the cursor rests before the panel looks up the tree there. */
const SPOT_DELAY_MS = 120;

/** The text of whatever draft the editor holds (its model changes when another draft is opened). */
function editorText(editor: monaco.editor.ICodeEditor): DraftText {
  return {
    length: () => editor.getModel()?.getValueLength() ?? null,
    slice: (start, end) => {
      const model = editor.getModel();
      return model ? model.getValueInRange(monaco.Range.fromPositions(model.getPositionAt(start), model.getPositionAt(end))) : '';
    },
  };
}

/** The open draft's history tree as React state: recorded as the model writes, looked up at the cursor for the panel. */
export function useHistory(
  api: KaituhiApi,
  editor: EditorHandle | null,
  draftId: string | null,
  sampler: () => SamplerUsed,
  watching: boolean,
): HistoryController {
  const [tree, setTree] = useState<HistoryTree>(emptyHistory);
  const [spot, setSpot] = useState<HistorySpot | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [recorder, setRecorder] = useState<HistoryRecorder | null>(null);
  const samplerRef = useRef(sampler);
  samplerRef.current = sampler;

  useEffect(() => {
    if (!editor) return;
    const made = new HistoryRecorder({
      api,
      text: editorText(editor.editor),
      sampler: () => samplerRef.current(),
      onTree: setTree,
      onProblem: setProblem,
    });
    setRecorder(made);
    return () => setRecorder(null);
  }, [api, editor]);

  // A draft's saved spans come without their alternatives; the history tree has them for the words it wrote.
  useEffect(() => {
    if (!recorder || !editor) return;
    void recorder.open(draftId).then(() => {
      if (recorder.draftId !== draftId) return;
      const pieces = recorder.piecesIn(editor.marks.spans());
      editor.marks.attachTokens(
        pieces.map((piece) => ({ start: piece.start, tokens: (piece.node.tokens ?? []).filter(([at]) => at < piece.length) })),
      );
    });
  }, [recorder, editor, draftId]);

  // The panel follows the cursor and the tree; nothing is looked up while it is closed.
  useEffect(() => {
    if (!watching || !editor || !recorder) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = () => {
      const model = editor.editor.getModel();
      const position = editor.editor.getPosition();
      setSpot(model && position ? recorder.spotAt(model.getOffsetAt(position)) : null);
    };
    look();
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(look, SPOT_DELAY_MS);
    };
    const subscriptions = [editor.editor.onDidChangeCursorPosition(later), editor.editor.onDidChangeModel(later)];
    return () => {
      clearTimeout(timer);
      subscriptions.forEach((subscription) => subscription.dispose());
    };
  }, [watching, editor, recorder, tree]);

  const putIn = useCallback(
    (node: HistoryNode) => {
      if (!editor || !recorder) return;
      const model = editor.editor.getModel();
      const position = editor.editor.getPosition();
      if (!model || !position) return;
      const place = recorder.placeFor(node, model.getOffsetAt(position));
      if (!place) return;
      const range = monaco.Range.fromPositions(model.getPositionAt(place.start), model.getPositionAt(place.start + place.replaces));
      const target = editor.editor;
      target.pushUndoStop();
      target.executeEdits('kaituhi.history', [{ range, text: node.text, forceMoveMarkers: true }], () => {
        const end = model.getPositionAt(place.start + node.text.length);
        return [monaco.Selection.fromPositions(end)];
      });
      target.pushUndoStop();
      editor.marks.markRange(
        monaco.Range.fromPositions(model.getPositionAt(place.start), model.getPositionAt(place.start + node.text.length)),
        node.tokens ?? [],
      );
      recorder.accepted(node.id);
      target.focus();
    },
    [editor, recorder],
  );

  return { recorder, tree, spot, problem, putIn };
}
