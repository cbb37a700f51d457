import { useCallback, useEffect, useRef, useState } from 'react';
import type { KaituhiApi } from '../../electron/shared/api.js';
import type { EditorHandle } from '../editor/ProseEditor.js';
import { SurpriseScorer } from './surprise-scorer.js';
import type { StoryContext } from '../../electron/common/lore.js';

export interface SurpriseController {
  readonly enabled: boolean;
  /** Why scoring stopped, in words; null while all is well. */
  readonly problem: string | null;
  toggle(): void;
}

/**
 * Surprise highlighting as React state: one scorer per editor, on and off with the toolbar button and
 * Ctrl/Cmd+Shift+U (caught before Monaco and the browser), going on again when the engine comes back.
 */
export function useSurprise(
  api: KaituhiApi,
  editor: EditorHandle | null,
  /** The draft's story context: scoring reads its memory. */
  story: { readonly current: StoryContext },
  engineReady: boolean,
): SurpriseController {
  const [enabled, setEnabled] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const scorer = useRef<SurpriseScorer | null>(null);

  useEffect(() => {
    if (!editor) return;
    const made = new SurpriseScorer({ api, editor: editor.editor, memory: () => story.current.memory, onProblem: setProblem });
    scorer.current = made;
    return () => {
      made.dispose();
      if (scorer.current === made) scorer.current = null;
    };
  }, [api, editor, story]);

  useEffect(() => {
    scorer.current?.setEnabled(enabled && engineReady);
    if (enabled && engineReady) scorer.current?.resume();
  }, [enabled, engineReady, editor]);

  const toggle = useCallback(() => setEnabled((on) => !on), []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || !event.shiftKey || event.altKey || event.key.toLowerCase() !== 'u') return;
      event.preventDefault();
      event.stopPropagation();
      toggle();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [toggle]);

  return { enabled, problem: enabled ? problem : null, toggle };
}
