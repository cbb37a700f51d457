/** Shapes of the generated test models: real GPT-2 shapes with the real GPT-2 vocabulary. */
import type { Gpt2Config } from '../electron/engine/formats/gpt2-config.js';

export type TestModelShape = 'tiny' | 'distilgpt2' | 'gpt2' | 'gpt2-medium' | 'gpt2-large' | 'gpt2-xl';

const base = { vocabSize: 50257, nPositions: 1024, layerNormEpsilon: 1e-5, eosTokenId: 50256, modelType: 'gpt2' } as const;

export const TEST_MODEL_SHAPES: Record<TestModelShape, Gpt2Config> = {
  tiny: { ...base, nLayer: 2, nHead: 4, nEmbd: 64 },
  distilgpt2: { ...base, nLayer: 6, nHead: 12, nEmbd: 768 },
  gpt2: { ...base, nLayer: 12, nHead: 12, nEmbd: 768 },
  'gpt2-medium': { ...base, nLayer: 24, nHead: 16, nEmbd: 1024 },
  'gpt2-large': { ...base, nLayer: 36, nHead: 20, nEmbd: 1280 },
  'gpt2-xl': { ...base, nLayer: 48, nHead: 25, nEmbd: 1600 },
};
