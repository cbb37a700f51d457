import { useCallback, useEffect, useRef, useState } from 'react';
import type { KaituhiApi } from '../../electron/shared/api.js';
import type { DraftSuggestionMode } from '../../electron/common/suggestion-mode.js';
import type { DraftCommand, DraftsStartup, DraftSummary, OpenDraft, TrashedDraft } from '../../electron/shared/drafts-api.js';
import type { EditorHandle } from '../editor/ProseEditor.js';
import { withSummary } from './draft-list.js';
import { DraftBinding, type SaveStatus } from './draft-binding.js';
import { errorMessage } from '../../electron/common/error-message.js';
import { i18n } from '../i18n/index.js';
import type { AuthorNote, Lorebook, StoryContext } from '../../electron/common/lore.js';

export interface CurrentDraft {
  readonly id: string;
  readonly title: string;
  readonly memory: string;
  readonly note: AuthorNote;
  readonly lorebook: Lorebook;
  /** Ghost text in this draft: its own mode, or null to follow Settings. */
  readonly suggestionMode: DraftSuggestionMode;
}

export interface DraftsController {
  readonly startup: DraftsStartup | null;
  readonly drafts: readonly DraftSummary[];
  readonly trash: readonly TrashedDraft[];
  readonly query: string;
  readonly current: CurrentDraft | null;
  readonly status: SaveStatus;
  readonly conflict: string | null;
  /** The last failed library action (create, rename, …), in words. */
  readonly problem: string | null;
  setQuery(query: string): void;
  open(id: string): Promise<void>;
  create(): Promise<void>;
  rename(id: string, title: string): Promise<void>;
  duplicate(id: string): Promise<void>;
  trashDraft(id: string): Promise<void>;
  restore(trashId: string): Promise<void>;
  resolveConflict(keep: 'mine' | 'theirs'): Promise<void>;
  setMemory(memory: string): void;
  setNote(note: AuthorNote): void;
  setLorebook(lorebook: Lorebook): void;
  /** Sends a note or lorebook edit still waiting for its save delay now (before exporting the lorebook). */
  flushStory(): Promise<void>;
  setSuggestionMode(mode: DraftSuggestionMode): void;
  /** After a snapshot restore: the service's text replaces the editor's. */
  showRestored(draft: OpenDraft): void;
  saveNow(): Promise<void>;
  clearProblem(): void;
}

/** Memory, note and lorebook edits reach the draft this long after the last keystroke. */
const STORY_SAVE_DELAY_MS = 500;

/**
 * The drafts library as React state: the list, the open draft bound to the editor, its save status and
 * any conflict. Opens the last draft (and cursor) once the editor exists.
 */
export function useDrafts(
  api: KaituhiApi,
  editor: EditorHandle | null,
  storyRef: { current: StoryContext },
  onCommand: (command: DraftCommand) => void,
): DraftsController {
  const [startup, setStartup] = useState<DraftsStartup | null>(null);
  const [drafts, setDrafts] = useState<readonly DraftSummary[]>([]);
  const [trash, setTrash] = useState<readonly TrashedDraft[]>([]);
  const [query, setQueryState] = useState('');
  const [current, setCurrent] = useState<CurrentDraft | null>(null);
  const [status, setStatus] = useState<SaveStatus>({ kind: 'saved' });
  const [conflict, setConflict] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const binding = useRef<DraftBinding | null>(null);
  const queryRef = useRef('');
  /** Story edits waiting for their save delay, one per kind, each sent when its timer fires (or at flushStory). */
  const pendingStory = useRef(
    new Map<'memory' | 'note' | 'lorebook', { timer: ReturnType<typeof setTimeout>; send: () => Promise<null> }>(),
  );
  const commandRef = useRef(onCommand);
  commandRef.current = onCommand;

  const refresh = useCallback(async () => {
    const [list, trashed] = await Promise.all([api.drafts.listDrafts({ query: queryRef.current }), api.drafts.listTrash({})]);
    setDrafts(list);
    setTrash(trashed);
  }, [api]);

  const attempt = useCallback(async (action: () => Promise<void>) => {
    try {
      await action();
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);

  const flushStory = useCallback(async () => {
    const pending = [...pendingStory.current.values()];
    pendingStory.current.clear();
    for (const { timer } of pending) clearTimeout(timer);
    await Promise.all(pending.map(({ send }) => send()));
  }, []);

  const bind = useCallback(
    (draft: OpenDraft) => {
      if (!editor) return;
      binding.current?.dispose();
      setConflict(null);
      binding.current = new DraftBinding(
        { api, editor: editor.editor, marks: editor.marks, onStatus: setStatus, onConflict: setConflict },
        draft,
      );
      storyRef.current = { memory: draft.memory, note: draft.note, lorebook: draft.lorebook };
      setCurrent({
        id: draft.id,
        title: draft.title,
        memory: draft.memory,
        note: draft.note,
        lorebook: draft.lorebook,
        suggestionMode: draft.suggestionMode,
      });
    },
    [api, editor, storyRef],
  );

  const open = useCallback(
    (id: string) =>
      attempt(async () => {
        const previous = binding.current;
        if (previous?.id === id) return;
        if (previous) {
          // Saved before it is let go; if that fails the draft stays open in the service (and its journal).
          await flushStory();
          await previous.save();
          binding.current = null;
          previous.dispose();
          await api.drafts.closeDraft({ id: previous.id }).catch(() => undefined);
        }
        bind(await api.drafts.openDraft({ id }));
        editor?.editor.focus();
        await refresh();
      }),
    [api, attempt, bind, editor, flushStory, refresh],
  );

  const create = useCallback(
    () =>
      attempt(async () => {
        const made = await api.drafts.createDraft({ title: i18n.t('sidebar.untitled') });
        await open(made.id);
      }),
    [api, attempt, open],
  );

  // First load, once the editor exists: the last draft and cursor, or the newest, or a fresh one.
  useEffect(() => {
    if (!editor) return;
    let cancelled = false;
    void attempt(async () => {
      const start = await api.drafts.draftsStartup({});
      if (cancelled) return;
      setStartup(start);
      if (start.problem) return;
      const list = await api.drafts.listDrafts({ query: '' });
      const target = start.lastOpened && list.some((d) => d.id === start.lastOpened?.id) ? start.lastOpened.id : list[0]?.id;
      if (cancelled) return;
      if (target) await open(target);
      else await create();
    });
    return () => {
      cancelled = true;
    };
  }, [api, editor, attempt, open, create]);

  useEffect(
    () =>
      api.onDraftEvent((event) => {
        if (event.kind === 'command') {
          commandRef.current(event.command);
          return;
        }
        if (event.kind === 'library-changed') {
          binding.current?.dispose();
          binding.current = null;
          setStartup(event.startup);
          setCurrent(null);
          void refresh().catch(() => undefined);
          return;
        }
        binding.current?.handle(event);
        // The push carries the draft's new list line: one line changes, the library is not listed again.
        if (event.kind === 'saved') setDrafts((list) => withSummary(list, event.summary));
      }),
    [api, refresh],
  );

  // Leaving the page (reload, close) or the window: save now rather than in a second.
  useEffect(() => {
    const saveNow = () => void binding.current?.save();
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') saveNow();
    };
    window.addEventListener('blur', saveNow);
    window.addEventListener('pagehide', saveNow);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('blur', saveNow);
      window.removeEventListener('pagehide', saveNow);
      document.removeEventListener('visibilitychange', onVisibility);
      binding.current?.dispose();
      binding.current = null;
    };
  }, []);

  /** A story edit: the next request carries it at once, the draft gets it after a pause in typing. */
  function editStory(kind: 'memory' | 'note' | 'lorebook', change: Partial<StoryContext>, save: (id: string) => Promise<null>): void {
    const active = binding.current;
    if (!active || !current) return;
    storyRef.current = { ...storyRef.current, ...change };
    setCurrent({ ...current, ...change });
    const pending = pendingStory.current;
    clearTimeout(pending.get(kind)?.timer);
    const send = () =>
      save(active.id).catch((error: unknown) => {
        setProblem(errorMessage(error));
        return null;
      });
    pending.set(kind, {
      timer: setTimeout(() => {
        pending.delete(kind);
        void send();
      }, STORY_SAVE_DELAY_MS),
      send,
    });
  }

  return {
    startup,
    drafts,
    trash,
    query,
    current,
    status,
    conflict,
    problem,
    setQuery: (next) => {
      queryRef.current = next;
      setQueryState(next);
      void refresh().catch(() => undefined);
    },
    open,
    create,
    rename: (id, title) =>
      attempt(async () => {
        const renamed = await api.drafts.renameDraft({ id, title });
        if (current?.id === id) setCurrent({ ...current, title: renamed.title });
        await refresh();
      }),
    duplicate: (id) =>
      attempt(async () => {
        await api.drafts.duplicateDraft({ id });
        await refresh();
      }),
    trashDraft: (id) =>
      attempt(async () => {
        if (binding.current?.id === id) {
          binding.current.dispose();
          binding.current = null;
          setCurrent(null);
        }
        await api.drafts.trashDraft({ id });
        const list = await api.drafts.listDrafts({ query: '' });
        if (!binding.current) {
          if (list[0]) await open(list[0].id);
          else await create();
        }
        await refresh();
      }),
    restore: (trashId) =>
      attempt(async () => {
        const restored = await api.drafts.restoreDraft({ trashId });
        await refresh();
        await open(restored.id);
      }),
    resolveConflict: (keep) =>
      attempt(async () => {
        const active = binding.current;
        if (!active) return;
        const view = await api.drafts.resolveDraftConflict({ id: active.id, keep });
        if (keep === 'theirs') active.replaceText(view.text, view.modelSpans);
        setConflict(null);
        setStatus({ kind: view.dirty ? 'unsaved' : 'saved' });
      }),
    setMemory: (memory) => editStory('memory', { memory }, (id) => api.drafts.setDraftMemory({ id, memory })),
    setNote: (note) => editStory('note', { note }, (id) => api.drafts.setDraftNote({ id, note })),
    setLorebook: (lorebook) => editStory('lorebook', { lorebook }, (id) => api.drafts.setDraftLorebook({ id, lorebook })),
    flushStory,
    setSuggestionMode: (mode) => {
      const active = binding.current;
      if (!active || !current) return;
      setCurrent({ ...current, suggestionMode: mode });
      void api.drafts.setDraftSuggestionMode({ id: active.id, mode }).catch((error: unknown) => setProblem(errorMessage(error)));
    },
    showRestored: (draft) => binding.current?.replaceText(draft.text, draft.modelSpans),
    saveNow: async () => {
      await binding.current?.save();
    },
    clearProblem: () => setProblem(null),
  };
}
