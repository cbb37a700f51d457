import { DEFAULT_SAMPLER } from '../engine/types.js';
import type { Settings } from './settings.js';

/** What a first launch (or a corrupt settings file) gets. Sentence-long ghost text, three alternatives. */
export function defaultSettings(): Settings {
  return {
    version: 1,
    sampler: { ...DEFAULT_SAMPLER },
    inline: { enabled: true, length: 'sentence', maxTokens: 40, debounceMs: 300, alternatives: 3 },
    continuation: { candidates: 3, maxTokens: 80 },
    modelDir: null,
    theme: 'light',
    language: 'system',
  };
}
