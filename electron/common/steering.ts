/**
 * Anti-slop steering as the writer keeps it in Settings: banned words and phrases (plain or RE2 regular
 * expressions) and phrase bias, with the lines the Settings panel edits them as. The limits and the shapes are the
 * generation request's own (`generateRequestSchema` in generation.ts), so what Settings accepts a request never
 * refuses; a regular expression is compiled with re2js as the engine compiles it (engine/bans.ts).
 */
import { z } from 'zod';
import { RE2JS } from 're2js';
import { errorMessage } from './error-message.js';
import { GENERATION_LIMITS, generateRequestSchema, type GenerateRequest } from './generation.js';

const request = generateRequestSchema.shape;

/** Why RE2 cannot run `source`, in its words, or null when it can. */
export function banRegexProblem(source: string): string | null {
  try {
    RE2JS.compile(source);
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

export const steeringSettingsSchema = z
  .object({
    bans: request.bans.unwrap(),
    banRegexes: request.banRegexes.unwrap(),
    bias: request.bias.unwrap(),
  })
  .strict()
  .superRefine((steering, context) => {
    steering.banRegexes.forEach((source, index) => {
      const problem = banRegexProblem(source);
      if (problem) context.addIssue({ code: 'custom', path: ['banRegexes', index], message: problem });
    });
  });
export type SteeringSettings = z.infer<typeof steeringSettingsSchema>;

export const NO_STEERING: SteeringSettings = { bans: [], banRegexes: [], bias: [] };

/** What a generation request carries of the steering: only the lists that hold something. */
export function steeringRequestFields(steering: SteeringSettings): Pick<GenerateRequest, 'bans' | 'banRegexes' | 'bias'> {
  return {
    ...(steering.bans.length > 0 ? { bans: steering.bans } : {}),
    ...(steering.banRegexes.length > 0 ? { banRegexes: steering.banRegexes } : {}),
    ...(steering.bias.length > 0 ? { bias: steering.bias } : {}),
  };
}

/** What can be wrong with one line; the Settings panel words each in the interface's language. */
export type SteeringLineProblem =
  | { line: number; kind: 'too-long'; max: number }
  | { line: number; kind: 'regex'; reason: string }
  | { line: number; kind: 'bias-form' }
  | { line: number; kind: 'bias-range'; min: number; max: number }
  | { line: number; kind: 'too-many'; max: number };

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: SteeringLineProblem };

/** Non-blank lines, each with its 1-based line number, trimmed. */
function lines(text: string): { line: number; text: string }[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ line: index + 1, text: raw.trim() }))
    .filter((entry) => entry.text !== '');
}

/** A line written `/…/`: the regular expression between the slashes; null for a plain phrase. */
function regexSource(line: string): string | null {
  return line.length > 2 && line.startsWith('/') && line.endsWith('/') ? line.slice(1, -1) : null;
}

/** Banned words and phrases, one a line; a line written `/…/` is an RE2 regular expression. */
export function parseBanLines(text: string): Parsed<Pick<SteeringSettings, 'bans' | 'banRegexes'>> {
  const bans: string[] = [];
  const banRegexes: string[] = [];
  for (const entry of lines(text)) {
    const source = regexSource(entry.text);
    const value = source ?? entry.text;
    if (value.length > GENERATION_LIMITS.banChars)
      return { ok: false, problem: { line: entry.line, kind: 'too-long', max: GENERATION_LIMITS.banChars } };
    const list = source === null ? bans : banRegexes;
    if (list.length >= GENERATION_LIMITS.bans)
      return { ok: false, problem: { line: entry.line, kind: 'too-many', max: GENERATION_LIMITS.bans } };
    if (source !== null) {
      const reason = banRegexProblem(source);
      if (reason) return { ok: false, problem: { line: entry.line, kind: 'regex', reason } };
    }
    list.push(value);
  }
  return { ok: true, value: { bans, banRegexes } };
}

export function formatBanLines(steering: Pick<SteeringSettings, 'bans' | 'banRegexes'>): string {
  return [...steering.bans, ...steering.banRegexes.map((source) => `/${source}/`)].join('\n');
}

/** One `phrase = ±strength` (the last `=` splits it, so a phrase may hold one); the command line's --bias reads it too. */
export function parseBiasLine(line: string): { phrase: string; strength: number } | null {
  const at = line.lastIndexOf('=');
  if (at < 0) return null;
  const phrase = line.slice(0, at).trim();
  const number = line.slice(at + 1).trim();
  const strength = Number(number);
  return phrase === '' || number === '' || !Number.isFinite(strength) ? null : { phrase, strength };
}

/** Phrase bias, one `phrase = ±strength` a line. */
export function parseBiasLines(text: string): Parsed<SteeringSettings['bias']> {
  const bias: SteeringSettings['bias'] = [];
  const { min, max } = GENERATION_LIMITS.biasStrength;
  for (const entry of lines(text)) {
    const parsed = parseBiasLine(entry.text);
    if (!parsed) return { ok: false, problem: { line: entry.line, kind: 'bias-form' } };
    if (parsed.phrase.length > GENERATION_LIMITS.biasChars)
      return { ok: false, problem: { line: entry.line, kind: 'too-long', max: GENERATION_LIMITS.biasChars } };
    if (parsed.strength < min || parsed.strength > max) return { ok: false, problem: { line: entry.line, kind: 'bias-range', min, max } };
    if (bias.length >= GENERATION_LIMITS.biasPhrases)
      return { ok: false, problem: { line: entry.line, kind: 'too-many', max: GENERATION_LIMITS.biasPhrases } };
    bias.push(parsed);
  }
  return { ok: true, value: bias };
}

export function formatBiasLines(bias: SteeringSettings['bias']): string {
  return bias.map(({ phrase, strength }) => `${phrase} = ${strength > 0 ? '+' : ''}${strength}`).join('\n');
}
