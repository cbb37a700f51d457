/**
 * Sampler presets: a few built in, each with a one-line description of what it is for, and the JSON file a
 * writer's own preset is saved, exported and imported as. The renderer shows the built-ins' names and descriptions
 * through i18next (`presets.<id>.name` / `.description` in both locales, the English equal to the text here, which
 * the command line prints); `kaituhi generate --preset ID` starts from one, and `--preset FILE` from a preset file.
 */
import { z } from 'zod';
import { DEFAULT_DRY, DEFAULT_SAMPLER, samplerSchema, type SamplerSettings } from './generation.js';

export interface SamplerPreset {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sampler: SamplerSettings;
}

export const BUILT_IN_PRESETS = [
  {
    id: 'balanced',
    name: 'Balanced',
    description: 'The default: varied but coherent prose for everyday drafting.',
    sampler: DEFAULT_SAMPLER,
  },
  {
    id: 'focused',
    name: 'Focused',
    description: 'Plain, likely words that stay on topic: for revising and tight scenes.',
    sampler: { ...DEFAULT_SAMPLER, temperature: 0.5, topK: 20, topP: 0.9, repetitionPenalty: 1.15 },
  },
  {
    id: 'creative',
    name: 'Creative',
    description: 'Bolder word choices, kept sensible by min-p: for brainstorming and first drafts.',
    sampler: { ...DEFAULT_SAMPLER, temperature: 1.1, topK: 0, topP: 1, minP: 0.05, repetitionPenalty: 1.05 },
  },
  {
    id: 'no-loops',
    name: 'No loops',
    description: 'DRY keeps the model from repeating its own phrases: for long continuations.',
    sampler: { ...DEFAULT_SAMPLER, repetitionPenalty: 1.05, dry: { ...DEFAULT_DRY, multiplier: 0.8 } },
  },
  {
    id: 'predictable',
    name: 'Predictable',
    description: 'Always the likeliest word, the same text every time: for comparing drafts and models.',
    sampler: { ...DEFAULT_SAMPLER, greedy: true },
  },
] as const satisfies readonly SamplerPreset[];

export type BuiltInPresetId = (typeof BUILT_IN_PRESETS)[number]['id'];

export function builtInPreset(id: string): SamplerPreset | null {
  return BUILT_IN_PRESETS.find((p) => p.id === id) ?? null;
}

export const PRESET_LIMITS = { nameChars: 60, descriptionChars: 200 } as const;

/** A writer's preset as a file: what Settings exports and imports. */
export const presetFileSchema = z
  .object({
    format: z.literal('kaituhi-sampler-preset'),
    version: z.literal(1),
    name: z.string().trim().min(1).max(PRESET_LIMITS.nameChars),
    description: z.string().max(PRESET_LIMITS.descriptionChars).default(''),
    sampler: samplerSchema,
  })
  .strict();
export type PresetFile = z.infer<typeof presetFileSchema>;

export function presetToFile(preset: { name: string; description: string; sampler: SamplerSettings }): PresetFile {
  // A seed belongs to one request, not to a way of writing.
  const { seed: _seed, ...sampler } = preset.sampler;
  return { format: 'kaituhi-sampler-preset', version: 1, name: preset.name, description: preset.description, sampler };
}

/** Reads a preset file's text; the error says what is wrong in words a writer can act on. */
export function parsePresetFile(text: string): { ok: true; preset: PresetFile } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'This file is not JSON, so it is not a Kaituhi sampler preset.' };
  }
  const parsed = presetFileSchema.safeParse(json);
  if (parsed.success) return { ok: true, preset: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the file';
  return { ok: false, error: `This is not a Kaituhi sampler preset this version can read: ${where}: ${issue.message}.` };
}
