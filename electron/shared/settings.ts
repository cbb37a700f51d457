/**
 * The writer's settings: what the settings panel edits and the settings file stores.
 * Plain data and defaults only, so the renderer can import the types and main/server the defaults.
 */
import type { SamplerSettings, StopAt } from '../engine/types.js';

/** How far an inline suggestion runs before it stops by itself ('none' is not offered: ghost text must end). */
export type InlineLength = Exclude<StopAt, 'none'>;

export type ThemeName = 'light' | 'dark';

/** The languages of the interface, as BCP 47 tags. */
export const UI_LANGUAGES = ['en', 'zh-CN'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];
/** 'system': the system's language under Electron, the browser's in server mode. */
export type LanguagePreference = 'system' | UiLanguage;

export interface InlineSettings {
  enabled: boolean;
  length: InlineLength;
  /** Upper bound on tokens even when no sentence end arrives. */
  maxTokens: number;
  /** Quiet time after the last keystroke before asking the engine. */
  debounceMs: number;
  /** Alternatives decoded in one request, cycled with Alt+] and Alt+[. */
  alternatives: number;
}

export interface ContinuationSettings {
  /** Candidate cards for "continue selection". */
  candidates: number;
  maxTokens: number;
}

export interface Settings {
  version: 1;
  sampler: SamplerSettings;
  inline: InlineSettings;
  continuation: ContinuationSettings;
  /** Model folder; null means none chosen yet. A `--model` flag overrides it for one launch. */
  modelDir: string | null;
  theme: ThemeName;
  language: LanguagePreference;
}

export const SETTINGS_LIMITS = {
  maxTokens: { min: 1, max: 512 },
  debounceMs: { min: 0, max: 5000 },
  alternatives: { min: 1, max: 8 },
  candidates: { min: 1, max: 8 },
} as const;
