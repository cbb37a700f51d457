/**
 * The writer's settings: what the Settings panel edits and settings.json stores, with the one schema that
 * checks them (on load, on save, and at the API boundary) and the defaults a first launch gets.
 */
import { z } from 'zod';
import { DEFAULT_SAMPLER, GENERATION_LIMITS, samplerSchema, STOP_AT } from './generation.js';
import { PRESET_LIMITS } from './presets.js';

/** How far an inline suggestion runs before it stops by itself ('none' is not offered: ghost text must end). */
export const INLINE_LENGTHS = STOP_AT.filter((stop) => stop !== 'none') as Exclude<(typeof STOP_AT)[number], 'none'>[];
export const THEMES = ['light', 'dark'] as const;
/** The languages of the interface, as BCP 47 tags. */
export const UI_LANGUAGES = ['en', 'zh-CN'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];
/** 'system': the system's language under Electron, the browser's in server mode. */
export const LANGUAGE_PREFERENCES = ['system', ...UI_LANGUAGES] as const;
export type LanguagePreference = (typeof LANGUAGE_PREFERENCES)[number];

export const SETTINGS_LIMITS = {
  maxTokens: GENERATION_LIMITS.maxTokens,
  debounceMs: { min: 0, max: 5000 },
  alternatives: GENERATION_LIMITS.candidates,
  candidates: GENERATION_LIMITS.candidates,
} as const;

const intIn = (limits: { readonly min: number; readonly max: number }) => z.number().int().min(limits.min).max(limits.max);

/** The writer's own sampler presets kept in the settings. */
export const MAX_WRITER_PRESETS = 50;

/** A writer's own sampler preset, as the settings keep it (a preset file holds the same three fields). */
export const writerPresetSchema = z
  .object({
    name: z.string().trim().min(1).max(PRESET_LIMITS.nameChars),
    description: z.string().max(PRESET_LIMITS.descriptionChars),
    sampler: samplerSchema,
  })
  .strict();
export type WriterPreset = z.infer<typeof writerPresetSchema>;

/**
 * Which preset the sampler was last set from: a built-in one by id (common/presets.ts), or one of the writer's own
 * by name; null once a knob was set by hand. An id a later version no longer has simply names no preset.
 */
export const activePresetSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('built-in'), id: z.string().max(PRESET_LIMITS.nameChars) }).strict(),
    z.object({ kind: z.literal('own'), name: z.string().max(PRESET_LIMITS.nameChars) }).strict(),
  ])
  .nullable();
export type ActivePreset = z.infer<typeof activePresetSchema>;

export const presetSettingsSchema = z
  .object({
    active: activePresetSchema,
    /** The writer's own presets, in the order they were saved; names are unique. */
    own: z
      .array(writerPresetSchema)
      .max(MAX_WRITER_PRESETS)
      .refine((presets) => new Set(presets.map((preset) => preset.name)).size === presets.length, 'two presets have the same name'),
  })
  .strict();
export type PresetSettings = z.infer<typeof presetSettingsSchema>;

export const settingsSchema = z
  .object({
    version: z.literal(1),
    sampler: samplerSchema,
    inline: z
      .object({
        enabled: z.boolean(),
        length: z.enum(INLINE_LENGTHS),
        /** Upper bound on tokens even when no sentence end arrives. */
        maxTokens: intIn(SETTINGS_LIMITS.maxTokens),
        /** Quiet time after the last keystroke before asking the engine. */
        debounceMs: intIn(SETTINGS_LIMITS.debounceMs),
        /** Alternatives decoded in one request, cycled with Alt+] and Alt+[. */
        alternatives: intIn(SETTINGS_LIMITS.alternatives),
      })
      .strict(),
    continuation: z
      .object({
        /** Candidate cards for "continue selection". */
        candidates: intIn(SETTINGS_LIMITS.candidates),
        maxTokens: intIn(SETTINGS_LIMITS.maxTokens),
      })
      .strict(),
    /** Model folder; null means none chosen yet. A `--model` flag overrides it for one launch. */
    modelDir: z.string().min(1).max(4096).nullable(),
    theme: z.enum(THEMES),
    // Settings files written before the interface had a language choice follow the system.
    language: z.enum(LANGUAGE_PREFERENCES).default('system'),
    // Settings files written before presets existed have none of the writer's own, and no preset active.
    presets: presetSettingsSchema.default({ active: null, own: [] }),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type InlineSettings = Settings['inline'];
export type ContinuationSettings = Settings['continuation'];
export type InlineLength = InlineSettings['length'];
export type ThemeName = Settings['theme'];

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
    presets: { active: null, own: [] },
  };
}
