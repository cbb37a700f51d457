/** Anti-slop steering as Settings keeps it: the lines the panel edits, the request's limits, and old settings files. */
import { describe, expect, it } from 'vitest';
import { GENERATION_LIMITS, generateRequestSchema } from '../../../electron/common/generation.js';
import { defaultSettings, settingsSchema } from '../../../electron/common/settings.js';
import {
  formatBanLines,
  formatBiasLines,
  NO_STEERING,
  parseBanLines,
  parseBiasLines,
  steeringRequestFields,
  steeringSettingsSchema,
} from '../../../electron/common/steering.js';

describe('ban lines', () => {
  it('reads plain phrases and /…/ regular expressions, skipping blank lines, and writes them back', () => {
    const parsed = parseBanLines(' suddenly \n\n/shiver(s)? down/\na tapestry of');
    expect(parsed).toEqual({ ok: true, value: { bans: ['suddenly', 'a tapestry of'], banRegexes: ['shiver(s)? down'] } });
    if (parsed.ok) expect(parseBanLines(formatBanLines(parsed.value))).toEqual(parsed);
  });

  it('names the line RE2 cannot compile, one too long, and one too many', () => {
    expect(parseBanLines('ok\n/(?<=a)b/')).toMatchObject({ ok: false, problem: { line: 2, kind: 'regex' } });
    expect(parseBanLines('x'.repeat(GENERATION_LIMITS.banChars + 1))).toMatchObject({ ok: false, problem: { line: 1, kind: 'too-long' } });
    const many = Array.from({ length: GENERATION_LIMITS.bans + 1 }, (_, i) => `word${i}`).join('\n');
    expect(parseBanLines(many)).toMatchObject({ ok: false, problem: { line: GENERATION_LIMITS.bans + 1, kind: 'too-many' } });
  });
});

describe('bias lines', () => {
  it('reads phrase = ±strength (the last = splits), and writes them back', () => {
    const parsed = parseBiasLines('the harbour = +5\nx=y = -2.5');
    expect(parsed).toEqual({
      ok: true,
      value: [
        { phrase: 'the harbour', strength: 5 },
        { phrase: 'x=y', strength: -2.5 },
      ],
    });
    if (parsed.ok) expect(parseBiasLines(formatBiasLines(parsed.value))).toEqual(parsed);
  });

  it('refuses a line without a strength and a strength out of range', () => {
    expect(parseBiasLines('storm')).toMatchObject({ ok: false, problem: { line: 1, kind: 'bias-form' } });
    expect(parseBiasLines('storm =')).toMatchObject({ ok: false, problem: { kind: 'bias-form' } });
    expect(parseBiasLines('storm = 101')).toMatchObject({ ok: false, problem: { kind: 'bias-range', min: -100, max: 100 } });
  });
});

describe('steering in settings and requests', () => {
  it('sends only the lists that hold something, and what it sends a request accepts', () => {
    expect(steeringRequestFields(NO_STEERING)).toEqual({});
    const steering = { bans: ['suddenly'], banRegexes: ['x+y'], bias: [{ phrase: 'sea', strength: 3 }] };
    const request = { context: 'a', maxTokens: 4, candidates: 1, sampler: defaultSettings().sampler, ...steeringRequestFields(steering) };
    expect(generateRequestSchema.parse(request)).toMatchObject(steering);
  });

  it('refuses a regular expression RE2 cannot run, in settings as in a request', () => {
    expect(steeringSettingsSchema.safeParse({ ...NO_STEERING, banRegexes: ['(?<=a)b'] }).success).toBe(false);
  });

  it('a settings file written before presets and steering existed reads with none of either', () => {
    const { presets: _presets, steering: _steering, ...old } = defaultSettings();
    const parsed = settingsSchema.parse(old);
    expect(parsed.steering).toEqual(NO_STEERING);
    expect(parsed.presets).toEqual({ active: null, own: [] });
    expect(parsed.engine.source).toBe('local');
  });
});
