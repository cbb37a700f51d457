import type { PrefillRequest, Settings } from '../../electron/shared/api.js';
import { promptStart } from '../../electron/common/prompt-window.js';
import { storyRequestFields, type StoryContext } from '../../electron/common/lore.js';
import { monaco } from '../editor/monaco.js';
import { splitTrailingSpaces } from '../editor/prompt-text.js';

/**
 * The request the next inline suggestion would send from where the cursor is: the same end of the draft
 * (common/prompt-window.ts), the same trailing spaces held back, the same story fields and suggestion length.
 */
export function nextSuggestionRequest(editor: monaco.editor.ICodeEditor, story: StoryContext, settings: Settings): PrefillRequest | null {
  const model = editor.getModel();
  const position = editor.getPosition();
  if (!model || !position) return null;
  const start = model.getPositionAt(promptStart(model.getOffsetAt(position)));
  const before = model.getValueInRange(monaco.Range.fromPositions(start, position));
  return { ...storyRequestFields(story), context: splitTrailingSpaces(before).prompt, maxTokens: settings.inline.maxTokens };
}
