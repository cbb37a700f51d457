/**
 * The writer's settings: what the Settings panel edits and settings.json stores, with the one schema that
 * checks them (on load, on save, and at the API boundary) and the defaults a first launch gets.
 */
import { z } from 'zod';
import { DEFAULT_SAMPLER, GENERATION_LIMITS, samplerSchema, STOP_AT } from './generation.js';
import { PRESET_LIMITS } from './presets.js';
import { suggestionModeSchema } from './suggestion-mode.js';
import { steeringSettingsSchema } from './steering.js';

/** How far an inline suggestion runs before it stops by itself ('none' is not offered: ghost text must end). */
export const INLINE_LENGTHS = STOP_AT.filter((stop) => stop !== 'none') as Exclude<(typeof STOP_AT)[number], 'none'>[];
export const THEMES = ['light', 'dark'] as const;
/** The languages of the interface, as BCP 47 tags. */
export const UI_LANGUAGES = ['en', 'zh-CN'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];
/** 'system': the system's language under Electron, the browser's in server mode. */
export const LANGUAGE_PREFERENCES = ['system', ...UI_LANGUAGES] as const;
export type LanguagePreference = (typeof LANGUAGE_PREFERENCES)[number];

/** Where suggestions are computed: this computer's engine, or a server speaking OpenAI's completions API. */
export const ENGINE_SOURCES = ['local', 'remote'] as const;
export type EngineSource = (typeof ENGINE_SOURCES)[number];

export const REMOTE_ENGINE_LIMITS = { urlChars: 2048, apiKeyChars: 512, modelChars: 256 } as const;

/** What can be wrong with a server address; the Settings panel words each one in the interface's language. */
export type RemoteUrlProblem = 'not-a-url' | 'scheme' | 'credentials' | 'query';

const REMOTE_URL_PROBLEMS: Record<RemoteUrlProblem, string> = {
  'not-a-url': 'The server address is not a URL; write it as http://host:port/v1.',
  scheme: 'The server address must start with http:// or https://.',
  credentials: 'The server address may not carry a user name or password; put the key in its own field.',
  query: 'The server address may not carry a query or a fragment.',
};

/**
 * Why a server URL cannot be used, or null when it can: http or https, a host, and no user name or password (the key
 * goes in its own field, and only ever in the Authorization header).
 */
export function remoteUrlProblem(raw: string): RemoteUrlProblem | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not-a-url';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'scheme';
  if (url.username !== '' || url.password !== '') return 'credentials';
  if (url.search !== '' || url.hash !== '') return 'query';
  return null;
}

const remoteEngineSchema = z
  .object({
    source: z.enum(ENGINE_SOURCES),
    /** The server's base URL, e.g. http://gpu-box:8080/v1 ('' until one is given; kept while this computer is in use). */
    url: z.string().max(REMOTE_ENGINE_LIMITS.urlChars),
    /** Sent as `Authorization: Bearer` to that server only; '' for none. */
    apiKey: z.string().max(REMOTE_ENGINE_LIMITS.apiKeyChars),
    /** The model to ask for; '' for the first the server lists. */
    model: z.string().max(REMOTE_ENGINE_LIMITS.modelChars),
  })
  .strict()
  .superRefine((engine, context) => {
    if (engine.source !== 'remote') return;
    const problem = remoteUrlProblem(engine.url);
    if (problem) context.addIssue({ code: 'custom', path: ['url'], message: REMOTE_URL_PROBLEMS[problem] });
  });

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
        // Settings files written before these existed get the behaviour they had: automatic, italic.
        /** 'manual': a suggestion only on Alt+\. A draft may override it. */
        mode: suggestionModeSchema.default('automatic'),
        /** Ghost text in italics (Monaco's look); off for readers who find italics hard to read. */
        italic: z.boolean().default(true),
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
    // Settings files written before server engines use this computer.
    engine: remoteEngineSchema.default({ source: 'local', url: '', apiKey: '', model: '' }),
    // Settings files written before anti-slop steering existed ban nothing and bias nothing.
    /** Banned words and phrases and phrase bias, sent with every ghost text and continuation request. */
    steering: steeringSettingsSchema.default({ bans: [], banRegexes: [], bias: [] }),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type InlineSettings = Settings['inline'];
export type ContinuationSettings = Settings['continuation'];
export type InlineLength = InlineSettings['length'];
export type ThemeName = Settings['theme'];
export type EngineSettings = Settings['engine'];

/** What a first launch (or a corrupt settings file) gets. Sentence-long ghost text, three alternatives. */
export function defaultSettings(): Settings {
  return {
    version: 1,
    sampler: { ...DEFAULT_SAMPLER },
    inline: { enabled: true, length: 'sentence', maxTokens: 40, debounceMs: 300, alternatives: 3, mode: 'automatic', italic: true },
    continuation: { candidates: 3, maxTokens: 80 },
    modelDir: null,
    theme: 'light',
    language: 'system',
    presets: { active: null, own: [] },
    engine: { source: 'local', url: '', apiKey: '', model: '' },
    steering: { bans: [], banRegexes: [], bias: [] },
  };
}
