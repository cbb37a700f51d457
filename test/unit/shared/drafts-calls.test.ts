/**
 * The drafts calls as they arrive from a window or a browser tab: every well-formed call passes, malformed
 * payloads are refused, and no id can name anything outside the library (or a snapshot outside its draft).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DRAFT_CHARS, MAX_MEMORY_CHARS } from '../../../electron/common/drafts.js';
import { DEFAULT_SAMPLER } from '../../../electron/common/generation.js';
import { HISTORY_LIMITS } from '../../../electron/common/history.js';
import { draftsCalls } from '../../../electron/shared/calls/drafts.js';
import { callSchemaOf } from '../../../electron/shared/calls/define.js';
import { parseClientFrame, parseClientMessage } from '../../../electron/shared/validators.js';
import { checkId } from '../../../electron/drafts/draft-folder.js';

const draftsCallSchema = callSchemaOf(draftsCalls);
const id = 'The-Harbour-a1b2c3';
const snapshotId = '20250115T120000000Z-0f3a';
const exportOptions = { chapterBreaks: true, modelSpans: 'mark' };
const historyNode = {
  id: 'h1',
  parent: null,
  before: 'The keeper',
  text: ' climbed.',
  kind: 'suggestion',
  created: 1,
  sampler: { preset: 'Balanced', settings: DEFAULT_SAMPLER },
};

const good: unknown[] = [
  { method: 'draftsStartup' },
  { method: 'listDrafts', query: '' },
  { method: 'listDrafts', query: 'harbour' },
  { method: 'listTrash' },
  { method: 'createDraft', title: 'Untitled' },
  { method: 'renameDraft', id, title: 'Café at Midnight' },
  { method: 'duplicateDraft', id },
  { method: 'trashDraft', id },
  { method: 'restoreDraft', trashId: `${id}~20250115T120000000Z` },
  { method: 'openDraft', id: 'Café-at-Midnight-0a1b2c' },
  { method: 'closeDraft', id },
  { method: 'editDraft', id, edit: { kind: 'changes', changes: [{ offset: 0, deleteCount: 0, text: 'a' }], length: 1 } },
  {
    method: 'editDraft',
    id,
    edit: { kind: 'changes', changes: [], length: 12 },
    modelSpans: [{ start: 0, end: 4 }],
    cursor: { offset: 3, scrollTop: 120 },
  },
  { method: 'editDraft', id, edit: { kind: 'text', text: 'The whole text, once, after a missed change.' } },
  { method: 'saveDraft', id },
  { method: 'setDraftMemory', id, memory: 'Mere: the keeper. Setting: a lighthouse.' },
  { method: 'setDraftCursor', id, cursor: { offset: 10 } },
  { method: 'setDraftSuggestionMode', id, mode: 'manual' },
  { method: 'setDraftSuggestionMode', id, mode: 'automatic' },
  { method: 'setDraftSuggestionMode', id, mode: null },
  { method: 'resolveDraftConflict', id, keep: 'mine' },
  { method: 'resolveDraftConflict', id, keep: 'theirs' },
  { method: 'takeSnapshot', id, name: '' },
  { method: 'listSnapshots', id },
  { method: 'compareSnapshot', id, snapshotId },
  { method: 'restoreSnapshot', id, snapshotId },
  { method: 'draftWordStats', id },
  { method: 'setDailyGoal', goal: 500 },
  { method: 'setDailyGoal', goal: null },
  { method: 'exportDraft', id, format: 'epub', options: { ...exportOptions, title: 'The Harbour', author: 'A. Keeper' } },
  { method: 'draftHistory', id },
  { method: 'editHistory', id, ops: [{ op: 'add', nodes: [historyNode, { ...historyNode, id: 'h2', sampler: null }] }] },
  {
    method: 'editHistory',
    id,
    ops: [
      { op: 'split', id: 'h1', offset: 4, tailId: 'h3' },
      { op: 'accept', id: 'h1', time: 2, tokens: [[0, -0.1, [[' climb', -0.1]]]] },
    ],
  },
];

describe('drafts calls: well-formed', () => {
  it('accepts every call the renderer makes', () => {
    for (const call of good) expect(draftsCallSchema.safeParse(call).success, JSON.stringify(call)).toBe(true);
  });

  it('accepts them inside a client message too (one schema for IPC and the WebSocket)', () => {
    for (const [index, call] of good.entries())
      expect(parseClientMessage({ type: 'call', id: index, call }).ok, JSON.stringify(call)).toBe(true);
  });

  it('carries a whole 10 MB draft in one frame', () => {
    const text = 'x'.repeat(10_000_000);
    const frame = JSON.stringify({ type: 'call', id: 1, call: { method: 'editDraft', id, edit: { kind: 'text', text } } });
    expect(parseClientFrame(frame).ok).toBe(true);
  });
});

describe('drafts calls: malformed payloads', () => {
  const bad: unknown[] = [
    { method: 'openDraft' },
    { method: 'openDraft', id: 7 },
    { method: 'openDraft', id: '' },
    { method: 'openDraft', id, extra: true },
    { method: 'listDrafts' },
    { method: 'listDrafts', query: 'x'.repeat(501) },
    { method: 'createDraft', title: 'x'.repeat(501) },
    { method: 'renameDraft', id, title: '' },
    { method: 'editDraft', id, edit: { kind: 'changes', changes: [{ offset: -1, deleteCount: 0, text: 'a' }], length: 1 } },
    { method: 'editDraft', id, edit: { kind: 'changes', changes: [{ offset: 1.5, deleteCount: 0, text: 'a' }], length: 1 } },
    {
      method: 'editDraft',
      id,
      edit: { kind: 'changes', changes: [{ offset: 0, deleteCount: 0, text: 'a', path: '/etc/passwd' }], length: 1 },
    },
    { method: 'editDraft', id, edit: { kind: 'changes', changes: [{ offset: 0, deleteCount: 0 }], length: 1 } },
    { method: 'editDraft', id, edit: { kind: 'changes', changes: [], length: MAX_DRAFT_CHARS + 1 } },
    { method: 'editDraft', id, edit: { kind: 'patch', text: 'a' } },
    { method: 'editDraft', id, edit: { kind: 'text', text: 'x'.repeat(MAX_DRAFT_CHARS + 1) } },
    { method: 'editDraft', id, edit: { kind: 'text', text: 'a' }, cursor: { offset: 1, scrollTop: Number.POSITIVE_INFINITY } },
    { method: 'editDraft', id, edit: { kind: 'text', text: 'a' }, modelSpans: [{ start: 0 }] },
    { method: 'setDraftMemory', id, memory: 'x'.repeat(MAX_MEMORY_CHARS + 1) },
    { method: 'setDraftMemory', id, memory: null },
    { method: 'setDraftSuggestionMode', id, mode: 'sometimes' },
    { method: 'setDraftSuggestionMode', id },
    { method: 'setDraftSuggestionMode', id: '../x', mode: 'manual' },
    { method: 'resolveDraftConflict', id, keep: 'both' },
    { method: 'setDailyGoal', goal: 0 },
    { method: 'setDailyGoal', goal: 2.5 },
    { method: 'setDailyGoal' },
    { method: 'exportDraft', id, format: 'exe', options: exportOptions },
    { method: 'exportDraft', id, format: 'pdf', options: { ...exportOptions, modelSpans: 'hide' } },
    { method: 'exportDraft', id, format: 'pdf', options: { chapterBreaks: true } },
    { method: 'exportDraft', id, format: 'pdf', options: { ...exportOptions, path: '/tmp/out.pdf' } },
    { method: 'exportDraft', id, format: 'pdf', options: exportOptions, path: '/tmp/out.pdf' },
    { method: 'draftHistory', id: '../x' },
    { method: 'editHistory', id, ops: [] },
    { method: 'editHistory', id, ops: Array.from({ length: HISTORY_LIMITS.opsPerCall + 1 }, () => ({ op: 'accept', id: 'h1', time: 1 })) },
    { method: 'editHistory', id, ops: [{ op: 'add', nodes: [{ ...historyNode, id: '../../etc' }] }] },
    { method: 'editHistory', id, ops: [{ op: 'add', nodes: [{ ...historyNode, text: '' }] }] },
    { method: 'editHistory', id, ops: [{ op: 'add', nodes: Array.from({ length: 9 }, (_, i) => ({ ...historyNode, id: `n${i}` })) }] },
    { method: 'editHistory', id, ops: [{ op: 'split', id: 'h1', offset: 0, tailId: 'h3' }] },
    { method: 'editHistory', id, ops: [{ op: 'accept', id: 'h1', time: -1 }] },
    { method: 'editHistory', id, ops: [{ op: 'accept', id: 'h1', time: 1, tokens: [[0, Number.NaN, []]] }] },
    { method: 'editHistory', id, ops: [{ op: 'delete', id: 'h1' }] },
  ];

  it('refuses each of them', () => {
    for (const call of bad) {
      expect(draftsCallSchema.safeParse(call).success, JSON.stringify(call).slice(0, 200)).toBe(false);
      expect(parseClientMessage({ type: 'call', id: 1, call }).ok).toBe(false);
    }
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            method: fc.constantFrom('openDraft', 'editDraft', 'compareSnapshot', 'exportDraft'),
            id: fc.anything(),
            edit: fc.anything(),
            snapshotId: fc.anything(),
          },
          { requiredKeys: ['method'] },
        ),
        (call) => {
          expect(typeof draftsCallSchema.safeParse(call).success).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ids that try to leave the library', () => {
  const escaping = [
    '..',
    '../../..',
    '../../outside',
    '..\\outside',
    'a/b',
    'a\\b',
    '/etc',
    'C:\\Windows',
    '.trash',
    '.kaituhi',
    '.',
    'nul\0byte',
    ' padded',
    'padded ',
    '\tx',
    'x'.repeat(201),
  ];

  it('are refused by the validator, for every call that names a draft', () => {
    for (const bad of escaping) {
      for (const call of [
        { method: 'openDraft', id: bad },
        { method: 'trashDraft', id: bad },
        { method: 'restoreDraft', trashId: bad },
        { method: 'exportDraft', id: bad, format: 'md', options: exportOptions },
        { method: 'editDraft', id: bad, edit: { kind: 'text', text: 'a' } },
      ]) {
        expect(draftsCallSchema.safeParse(call).success, JSON.stringify(call)).toBe(false);
      }
    }
  });

  it('are refused by the library as well (a second line, for callers that skip the validator)', () => {
    for (const bad of escaping) expect(() => checkId(bad), JSON.stringify(bad)).toThrow(/not a draft/);
  });

  it('snapshot ids are the library’s own shape only', () => {
    for (const bad of [
      '../../text',
      '../../../draft',
      '20250115T120000000Z-0f3a/../../x',
      '20250115T120000000Z-0f3a.md',
      'snapshot',
      '',
      '20250115T120000000Z-0F3A',
    ]) {
      expect(draftsCallSchema.safeParse({ method: 'compareSnapshot', id, snapshotId: bad }).success, bad).toBe(false);
      expect(draftsCallSchema.safeParse({ method: 'restoreSnapshot', id, snapshotId: bad }).success, bad).toBe(false);
    }
  });

  it('anything the validator accepts, the library accepts too', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (candidate) => {
        if (draftsCallSchema.safeParse({ method: 'openDraft', id: candidate }).success) expect(checkId(candidate)).toBe(candidate);
      }),
      { numRuns: 1000 },
    );
  });
});
