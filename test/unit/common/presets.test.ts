/** Sampler presets: the built-ins are valid samplers with one-line descriptions in both locales; files round-trip. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { samplerSchema } from '../../../electron/common/generation.js';
import { BUILT_IN_PRESETS, builtInPreset, parsePresetFile, presetToFile } from '../../../electron/common/presets.js';

const locale = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../renderer/i18n/locales/${name}.json`, import.meta.url), 'utf8')) as {
    presets: Record<string, { name: string; description: string }>;
  };

describe('built-in presets', () => {
  it('are valid samplers with distinct ids and one-line descriptions', () => {
    expect(new Set(BUILT_IN_PRESETS.map((p) => p.id)).size).toBe(BUILT_IN_PRESETS.length);
    for (const p of BUILT_IN_PRESETS) {
      expect(samplerSchema.safeParse(p.sampler).success).toBe(true);
      expect(p.description).not.toMatch(/\n/);
      expect(p.description.length).toBeLessThanOrEqual(100);
    }
    expect(builtInPreset('no-loops')?.sampler.dry?.multiplier).toBeGreaterThan(0);
    expect(builtInPreset('nope')).toBeNull();
  });

  it('are named and described in both locales, the English as written here', () => {
    const en = locale('en');
    const zh = locale('zh-CN');
    expect(Object.keys(en.presets).sort()).toEqual(BUILT_IN_PRESETS.map((p) => p.id).sort());
    expect(Object.keys(zh.presets).sort()).toEqual(Object.keys(en.presets).sort());
    for (const p of BUILT_IN_PRESETS) {
      expect(en.presets[p.id]).toEqual({ name: p.name, description: p.description });
      expect(zh.presets[p.id]!.description).toMatch(/\p{Script=Han}/u);
    }
  });
});

describe('preset files', () => {
  it('round-trip through JSON, without the seed', () => {
    const preset = { name: 'Night shift', description: 'Low and slow.', sampler: { ...builtInPreset('focused')!.sampler, seed: 7 } };
    const parsed = parsePresetFile(JSON.stringify(presetToFile(preset)));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.preset.name).toBe('Night shift');
      expect(parsed.preset.sampler.seed).toBeUndefined();
      expect(parsed.preset.sampler.temperature).toBe(0.5);
    }
  });

  it('refuses what is not a preset, saying where', () => {
    expect(parsePresetFile('{not json')).toEqual({ ok: false, error: expect.stringMatching(/not JSON/) });
    expect(parsePresetFile(JSON.stringify({ format: 'other', version: 1, name: 'x', sampler: {} }))).toEqual({
      ok: false,
      error: expect.stringMatching(/format/),
    });
    const tooHot = presetToFile({ name: 'Hot', description: '', sampler: { ...builtInPreset('balanced')!.sampler, temperature: 50 } });
    expect(parsePresetFile(JSON.stringify(tooHot))).toEqual({ ok: false, error: expect.stringMatching(/sampler\.temperature/) });
    expect(parsePresetFile(JSON.stringify({ ...presetToFile(builtInPreset('balanced')!), extra: 1 }))).toMatchObject({ ok: false });
  });
});
