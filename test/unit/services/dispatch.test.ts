/**
 * One call table per domain, and everything derived from it: a method without a handler does not compile, and
 * no method can answer `undefined` as success.
 */
import { describe, expect, it } from 'vitest';
import { appHandlers } from '../../../electron/services/calls/app-handlers.js';
import { draftsHandlers } from '../../../electron/services/calls/drafts-handlers.js';
import { modelsHandlers } from '../../../electron/services/calls/models-handlers.js';
import { apiCalls, appCalls, draftsCalls, modelsCalls } from '../../../electron/shared/calls/index.js';
import type { Handlers } from '../../../electron/shared/calls/define.js';
import type { ModelChoices } from '../../../electron/services/model-choices.js';

describe('call tables', () => {
  it('each domain’s handlers answer exactly its table’s methods, and no method belongs to two domains', () => {
    expect(Object.keys(appHandlers).sort()).toEqual(Object.keys(appCalls).sort());
    expect(Object.keys(draftsHandlers).sort()).toEqual(Object.keys(draftsCalls).sort());
    expect(Object.keys(modelsHandlers).sort()).toEqual(Object.keys(modelsCalls).sort());
    const count = Object.keys(appCalls).length + Object.keys(draftsCalls).length + Object.keys(modelsCalls).length;
    expect(Object.keys(apiCalls)).toHaveLength(count);
  });

  it('a handler table that leaves a method out is a type error', () => {
    const { importModel: _left, ...rest } = modelsHandlers;
    // @ts-expect-error: importModel has no handler.
    const incomplete: Handlers<typeof modelsCalls, ModelChoices> = rest;
    expect(Object.keys(incomplete)).not.toContain('importModel');
  });

  it('a handler that answers nothing where the table promises null is a type error', () => {
    const handlers: Handlers<typeof modelsCalls, ModelChoices> = {
      ...modelsHandlers,
      // @ts-expect-error: pauseDownload answers null, not undefined.
      pauseDownload: async (models) => {
        await models.pauseDownload();
      },
    };
    expect(typeof handlers.pauseDownload).toBe('function');
  });
});
