import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  parseClientFrame,
  parseClientMessage,
  parseSettings,
  MAX_FRAME_NESTING,
  MAX_TEXT_CHARS,
} from '../../../electron/shared/validators.js';
import { expectLinearGrowth } from '../../support/complexity.js';
import { defaultSettings } from '../../../electron/common/settings.js';
import { DEFAULT_SAMPLER } from '../../../electron/engine/types.js';

const request = { context: 'Once upon a time', maxTokens: 20, candidates: 3, sampler: DEFAULT_SAMPLER, stopAt: 'sentence' };

describe('client message validation', () => {
  it('accepts every well-formed message', () => {
    for (const message of [
      { type: 'call', id: 1, call: { method: 'getSnapshot' } },
      { type: 'call', id: 2, call: { method: 'saveSettings', settings: defaultSettings() } },
      { type: 'call', id: 3, call: { method: 'countTokens', text: 'hello' } },
      { type: 'call', id: 4, call: { method: 'restartEngine' } },
      { type: 'call', id: 4, call: { method: 'prefill', context: 'The keeper climbed the stairs.', maxTokens: 40 } },
      { type: 'call', id: 4, call: { method: 'prefill', memory: 'Mere keeps the lighthouse.', context: 'The keeper', maxTokens: 1 } },
      { type: 'call', id: 5, call: { method: 'openExternal', url: 'https://example.com' } },
      { type: 'call', id: 5, call: { method: 'chooseModelFolder' } },
      { type: 'call', id: 5, call: { method: 'getModelOffer', language: 'zh-CN' } },
      { type: 'generate', id: 6, request },
      { type: 'cancel', id: 6 },
    ]) {
      expect(parseClientMessage(message), JSON.stringify(message)).toMatchObject({ ok: true });
    }
  });

  it('rejects malformed payloads', () => {
    const bad: unknown[] = [
      null,
      'hello',
      42,
      [],
      {},
      { type: 'call' },
      { type: 'call', id: -1, call: { method: 'getSnapshot' } },
      { type: 'call', id: 1.5, call: { method: 'getSnapshot' } },
      { type: 'call', id: 1, call: { method: 'deleteEverything' } },
      { type: 'call', id: 1, call: { method: 'getSnapshot', extra: true } },
      { type: 'call', id: 1, call: { method: 'countTokens', text: 7 } },
      { type: 'call', id: 1, call: { method: 'prefill', context: 'x' } },
      { type: 'call', id: 1, call: { method: 'prefill', context: 'x'.repeat(MAX_TEXT_CHARS + 1), maxTokens: 4 } },
      { type: 'call', id: 1, call: { method: 'prefill', context: 'x', maxTokens: 0 } },
      { type: 'call', id: 1, call: { method: 'prefill', context: 'x', maxTokens: 4, candidates: 3 } },
      { type: 'call', id: 1, call: { method: 'saveSettings', settings: { ...defaultSettings(), modelDir: 5 } } },
      { type: 'generate', id: 1, request: { ...request, maxTokens: 0 } },
      { type: 'generate', id: 1, request: { ...request, maxTokens: 1e9 } },
      { type: 'generate', id: 1, request: { ...request, candidates: 0 } },
      { type: 'generate', id: 1, request: { ...request, context: 'x'.repeat(MAX_TEXT_CHARS + 1) } },
      { type: 'generate', id: 1, request: { ...request, sampler: { ...DEFAULT_SAMPLER, temperature: Number.NaN } } },
      { type: 'generate', id: 1, request: { ...request, sampler: { ...DEFAULT_SAMPLER, topP: 2 } } },
      { type: 'generate', id: 1, request: { ...request, stopAt: 'chapter' } },
      { type: 'generate', id: 1, request: { ...request, __proto__: { polluted: true }, extra: 1 } },
      { type: 'cancel', id: '1' },
      { type: 'cancel', id: 1, reason: 'x' },
      { type: 'call', id: 1, call: { method: 'getModelOffer' } },
      { type: 'call', id: 1, call: { method: 'getModelOffer', language: 'fr' } },
      { type: 'call', id: 1, call: { method: 'saveSettings', settings: { ...defaultSettings(), language: 'tlh' } } },
    ];
    for (const message of bad) expect(parseClientMessage(message).ok, JSON.stringify(message)).toBe(false);
  });

  it('rejects frames that are not JSON', () => {
    expect(parseClientFrame('{"type":"cancel","id":1')).toEqual({ ok: false, error: 'not JSON' });
    expect(parseClientFrame('{"type":"cancel","id":1}')).toMatchObject({ ok: true });
  });

  it('refuses nesting deeper than any message has, counting only brackets outside strings', () => {
    const nested = (depth: number) =>
      `{"type":"call","id":7,"call":{"method":"listDrafts","query":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    // Two levels are the envelope and the call.
    expect(parseClientFrame(nested(MAX_FRAME_NESTING - 2))).toMatchObject({ ok: false, error: expect.stringMatching(/query/) });
    expect(parseClientFrame(nested(MAX_FRAME_NESTING - 1))).toEqual({ ok: false, error: 'message nested too deeply' });
    const bracketsInText = { type: 'call', id: 1, call: { method: 'listDrafts', query: '[{"\\'.repeat(100) } };
    expect(parseClientFrame(JSON.stringify(bracketsInText))).toEqual({ ok: true, value: bracketsInText });
    // The deepest message the editor sends is well inside the limit.
    const edit = {
      type: 'call',
      id: 1,
      call: { method: 'editDraft', id: 'd', edit: { kind: 'changes', changes: [{ offset: 0, deleteCount: 0, text: '' }], length: 0 } },
    };
    expect(parseClientFrame(JSON.stringify(edit))).toMatchObject({ ok: true });
  });

  it('measures nesting as JSON does, for any value', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 40 }), (query) => {
        const result = parseClientFrame(JSON.stringify({ type: 'call', id: 1, call: { method: 'listDrafts', query } }));
        const refusedAsDeep = !result.ok && result.error === 'message nested too deeply';
        expect(refusedAsDeep).toBe(2 + depthOf(query) > MAX_FRAME_NESTING);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a deeply nested frame in time that does not grow with its depth (JSON.parse took 2.3 s on 2 MB of [[[[)', async () => {
    await expectLinearGrowth(
      'deep frame',
      (size) => parseClientFrame('['.repeat(size / 2) + ']'.repeat(size / 2)),
      [20_000, 200_000, 2_000_000],
    );
  });

  it('gives back what did parse, so the server can answer by its id without parsing it again', () => {
    expect(parseClientFrame('{"type":"call","id":5,"call":{"method":"nope"}}')).toMatchObject({ ok: false, json: { type: 'call', id: 5 } });
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = parseClientMessage(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string(), (frame) => void parseClientFrame(frame)),
      { numRuns: 500 },
    );
  });
});

describe('settings validation', () => {
  it('accepts the defaults and rejects out-of-range values', () => {
    expect(parseSettings(defaultSettings())).toMatchObject({ ok: true });
    const base = defaultSettings();
    expect(parseSettings({ ...base, inline: { ...base.inline, debounceMs: -1 } }).ok).toBe(false);
    expect(parseSettings({ ...base, inline: { ...base.inline, length: 'none' } }).ok).toBe(false);
    expect(parseSettings({ ...base, continuation: { ...base.continuation, candidates: 99 } }).ok).toBe(false);
    expect(parseSettings({ ...base, theme: 'neon' }).ok).toBe(false);
    expect(parseSettings({ ...base, version: 2 }).ok).toBe(false);
  });

  it('takes the interface language, and reads a file written before there was one as following the system', () => {
    expect(parseSettings({ ...defaultSettings(), language: 'zh-CN' })).toMatchObject({ ok: true, value: { language: 'zh-CN' } });
    const { language: _none, ...older } = defaultSettings();
    expect(parseSettings(older)).toMatchObject({ ok: true, value: { language: 'system' } });
    expect(parseSettings({ ...defaultSettings(), language: 'zh' }).ok).toBe(false);
  });
});
