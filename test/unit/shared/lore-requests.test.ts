/**
 * The note and the lorebook at the API boundary: a generation request, the inspector's request and the drafts calls
 * carry them, checked by the shared schemas; a key that cannot run, too many entries or a stray field never pass.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTE, EMPTY_LOREBOOK, LORE_LIMITS, newLoreEntry, storyRequestFields } from '../../../electron/common/lore.js';
import { DEFAULT_SAMPLER } from '../../../electron/common/generation.js';
import { parseClientMessage } from '../../../electron/shared/validators.js';

const lorebook = {
  budget: 128,
  entries: [newLoreEntry('mere', { title: 'Mere', text: 'Mere keeps the lamp.', keys: ['Mere', '/lamps?/i'] })],
};
const note = { ...DEFAULT_NOTE, text: 'Quiet.' };
const request = { memory: 'm', note, lorebook, context: 'Mere', maxTokens: 8, candidates: 1, sampler: DEFAULT_SAMPLER };

describe('story context at the API boundary', () => {
  it('passes with a generation request, the inspector’s request and the drafts calls', () => {
    expect(parseClientMessage({ type: 'generate', id: 1, request })).toMatchObject({ ok: true, value: { request } });
    const inspect = { method: 'inspectContext', request: { note, lorebook, context: 'Mere', maxTokens: 8 } };
    expect(parseClientMessage({ type: 'call', id: 2, call: inspect })).toMatchObject({ ok: true });
    expect(parseClientMessage({ type: 'call', id: 3, call: { method: 'setDraftLorebook', id: 'harbour', lorebook } })).toMatchObject({
      ok: true,
    });
    expect(parseClientMessage({ type: 'call', id: 4, call: { method: 'setDraftNote', id: 'harbour', note } })).toMatchObject({ ok: true });
    expect(parseClientMessage({ type: 'call', id: 5, call: { method: 'exportLorebook', id: 'harbour', format: 'novelai' } })).toMatchObject(
      { ok: true },
    );
  });

  it('refuses a key RE2 cannot run, too many entries, an unknown format and fields nobody asked for', () => {
    const bad = { ...lorebook, entries: [{ ...lorebook.entries[0]!, keys: ['/(?<=a)b/'] }] };
    const refused = parseClientMessage({ type: 'generate', id: 1, request: { ...request, lorebook: bad } });
    expect(refused).toMatchObject({
      ok: false,
      error: expect.stringMatching(/lorebook\.entries\.0\.keys\.0: the regex key .* does not compile/),
    });
    const many = { budget: 10, entries: Array.from({ length: LORE_LIMITS.entries + 1 }, (_, i) => newLoreEntry(`e${i}`)) };
    expect(parseClientMessage({ type: 'generate', id: 1, request: { ...request, lorebook: many } })).toMatchObject({ ok: false });
    const stray = { ...lorebook, entries: [{ ...lorebook.entries[0]!, script: 'x' }] };
    expect(parseClientMessage({ type: 'generate', id: 1, request: { ...request, lorebook: stray } })).toMatchObject({ ok: false });
    expect(parseClientMessage({ type: 'generate', id: 1, request: { ...request, note: { ...note, depth: 0 } } })).toMatchObject({
      ok: false,
    });
    expect(parseClientMessage({ type: 'call', id: 5, call: { method: 'exportLorebook', id: 'harbour', format: 'docx' } })).toMatchObject({
      ok: false,
    });
  });

  it('carries only what can reach the window: no disabled or empty entry, no empty note or memory', () => {
    expect(storyRequestFields({ memory: '', note: DEFAULT_NOTE, lorebook: EMPTY_LOREBOOK })).toEqual({});
    const off = newLoreEntry('off', { text: 'Off.', enabled: false });
    const empty = newLoreEntry('empty', { text: '  ' });
    const on = newLoreEntry('on', { text: 'On.', keys: ['on'] });
    expect(storyRequestFields({ memory: 'm', note, lorebook: { budget: 99, entries: [off, empty, on] } })).toEqual({
      memory: 'm',
      note,
      lorebook: { budget: 99, entries: [on] },
    });
  });
});
