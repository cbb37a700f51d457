/**
 * Trust on first use through the API, as the Models panel drives it: files no public source describes are recorded
 * at the first download; when the same commit later comes with other bytes, the download stops and says so, and the
 * writer's confirmation (downloadModel with acceptChangedFiles) takes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelsState } from '../../../electron/shared/api.js';
import { HUB_VARIANT } from '../../support/model-hub.js';
import { startHubSession, type HubSession } from './hub-session.js';

let home: string;
let hub: HubSession;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'kaituhi-trust-'));
  hub = await startHubSession(home, { catalogHashes: false });
});

afterAll(async () => {
  await hub?.close();
  await rm(home, { recursive: true, force: true });
});

const call = (callBody: unknown): Promise<unknown> => hub.call(callBody);

async function downloadSettles(): Promise<ModelsState> {
  for (;;) {
    const state = (await call({ method: 'getModels' })) as ModelsState;
    const stage = state.download?.stage;
    if (stage === 'done' || stage === 'failed') return state;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('trust on first use through the API', () => {
  it('stops a download whose files changed since the first, and takes them when the writer confirms', async () => {
    await call({ method: 'downloadModel', variantId: HUB_VARIANT });
    expect((await downloadSettles()).download).toMatchObject({ stage: 'done', filesChanged: false });
    await call({ method: 'deleteModel', id: HUB_VARIANT });

    const swapped = await hub.modelHub.replaceWeights(2);
    await call({ method: 'downloadModel', variantId: HUB_VARIANT });
    const refused = await downloadSettles();
    expect(refused.download).toMatchObject({ stage: 'failed', filesChanged: true });
    expect(refused.download!.error).toMatchObject({ code: 'files-changed', file: 'onnx/model_quantized.onnx' });
    expect(refused.download!.error!.message).toContain('onnx/model_quantized.onnx');
    expect(refused.download!.error!.message).toContain(swapped.sha256);
    expect(refused.models).toEqual([]);
    expect(hub.modelHub.hub.gets(swapped)).toEqual([]);

    await expect(call({ method: 'downloadModel', variantId: HUB_VARIANT, acceptChangedFiles: 'yes' })).rejects.toThrow(/refused/);
    await call({ method: 'downloadModel', variantId: HUB_VARIANT, acceptChangedFiles: true });
    const accepted = await downloadSettles();
    expect(accepted.download).toMatchObject({ stage: 'done', filesChanged: false });
    expect(accepted.models.map((m) => m.id)).toEqual([HUB_VARIANT]);
    expect(hub.modelHub.hub.gets(swapped)).toHaveLength(1);
  });
});
