/** The app's own calls: the snapshot a window starts from, settings, the engine, links and Electron's folder dialog. */
import { z } from 'zod';
import { countTokensTextSchema, prefillRequestSchema, scoreRequestSchema } from '../../common/generation.js';
import { settingsSchema } from '../../common/settings.js';
import type { ContextView, PrefillResult, ScoreResult } from '../../engine/types.js';
import type { AppSnapshot, SettingsState } from '../state.js';
import { call } from './define.js';

export const appCalls = {
  getSnapshot: call({}).returns<AppSnapshot>(),
  saveSettings: call({ settings: settingsSchema }).returns<SettingsState>(),
  /** Tokens in a text under the loaded model (the memory's share of the window). */
  countTokens: call({ text: countTokensTextSchema }).returns<number>(),
  /**
   * Fills the engine's prefix cache with a text the next suggestion will start from (the ghost text on screen,
   * which Tab would accept). One runs at a time and one waits; a newer one replaces the waiting one (null).
   */
  prefill: call(prefillRequestSchema.shape).returns<PrefillResult | null>(),
  /**
   * Every token of a text with its log-probability and rank under the loaded model (surprise highlighting). Yields
   * to generations between chunks; a `cancel` with the call's id stops it (the call then fails).
   */
  scoreText: call(scoreRequestSchema.shape).returns<ScoreResult>(),
  /** The window the next suggestion for this prompt will run on, and what the engine's cache holds of it (the inspector). */
  inspectContext: call({ request: prefillRequestSchema }).returns<ContextView>(),
  restartEngine: call({}).returns<null>(),
  openExternal: call({ url: z.string().max(2048) }).returns<null>(),
  /** Electron only: main shows the folder dialog, so the path comes from the writer's own choice; null when cancelled. */
  chooseModelFolder: call({}).returns<string | null>(),
};
