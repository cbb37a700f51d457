/**
 * The command line's ways to steer a generation (issue 12): alternatives per token, banned phrases and patterns,
 * phrase bias, DRY and presets, and the text after the cursor for joining scores. Parsed here so that
 * `kaituhi generate` only merges them into its request, which the one schema (common/generation.ts) then checks.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../common/error-message.js';
import { isErrno } from '../disk/errno.js';
import { DEFAULT_DRY, GENERATION_LIMITS, type DrySettings, type GenerateRequest, type SamplerSettings } from '../common/generation.js';
import { BUILT_IN_PRESETS, builtInPreset, parsePresetFile } from '../common/presets.js';
import { parseBiasLine } from '../common/steering.js';
import { numberOption, UsageError } from './command.js';

export const steeringOptions = {
  logprobs: { type: 'string' },
  after: { type: 'string' },
  ban: { type: 'string', multiple: true },
  'ban-regex': { type: 'string', multiple: true },
  bias: { type: 'string', multiple: true },
  'dry-multiplier': { type: 'string' },
  'dry-base': { type: 'string' },
  'dry-allowed-length': { type: 'string' },
  'dry-breaker': { type: 'string', multiple: true },
  preset: { type: 'string' },
} as const;

type SteeringValues = { [K in keyof typeof steeringOptions]?: (typeof steeringOptions)[K] extends { multiple: true } ? string[] : string };

const L = GENERATION_LIMITS;
const presetWidth = Math.max(...BUILT_IN_PRESETS.map((p) => p.id.length));

export const steeringHelp = [
  `  --preset NAME|FILE       start from a sampler preset (the flags above change it further): one built in,`,
  ...BUILT_IN_PRESETS.map((p) => `                             ${p.id.padEnd(presetWidth)}  ${p.description}`),
  '                           or a preset file as Settings exports it ({"format": "kaituhi-sampler-preset", ...}; its',
  '                           seed, if any, is not used: --seed sets one)',
  `  --logprobs N             with --json: each token's N likeliest alternatives (N up to ${L.topAlternatives.max}), {tokenId, text, logprob}`,
  '                           likeliest first (log-softmax of the logits sampling saw: penalties, DRY, bias and bans',
  '                           applied, before temperature)',
  '  --ban PHRASE             never write PHRASE (repeatable; case-insensitive, whole words); a phrase the text completes is',
  '                           taken back to where it began and the model chooses again',
  `  --ban-regex RE           never write a match of RE (repeatable; RE2 syntax, matches up to ${L.banChars} characters)`,
  '  --bias "PHRASE=S"        add S (-100 to 100) to the logit of PHRASE\'s next token while it is written (repeatable)',
  '  --dry-multiplier M       DRY: penalise tokens that extend a repetition (0 off; 0.8 usual)',
  `  --dry-base B             DRY: how fast the penalty grows with the repetition's length (default ${DEFAULT_DRY.base})`,
  `  --dry-allowed-length L   DRY: repetitions up to L tokens go unpenalised (default ${DEFAULT_DRY.allowedLength})`,
  `  --dry-breaker S          DRY: a string that ends a repetition (repeatable; default ${DEFAULT_DRY.sequenceBreakers.map((s) => JSON.stringify(s)).join(' ')})`,
  '  --after TEXT             the text after the cursor: each candidate gets its joining score (how well it leads into',
  `                           TEXT: log P(first ${L.joiningTokens} tokens of TEXT | prompt + candidate)); the best comes first`,
];

/** The sampler a generation starts from: a built-in preset's, a preset file's, or the app's default. */
export async function baseSampler(values: SteeringValues): Promise<SamplerSettings> {
  if (values.preset === undefined) return (builtInPreset('balanced') ?? BUILT_IN_PRESETS[0]).sampler;
  return builtInPreset(values.preset)?.sampler ?? (await presetFileSampler(values.preset));
}

/** A preset file's sampler, read as Settings imports it; the error names the file and what is wrong in it. */
async function presetFileSampler(file: string): Promise<SamplerSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // Neither a name nor a file: most likely a mistyped name, so the names are what helps.
    if (isErrno(error, 'ENOENT')) {
      const names = BUILT_IN_PRESETS.map((p) => p.id).join(', ');
      throw new UsageError(`--preset must be one of ${names}, or a preset file; there is no file "${file}"`);
    }
    throw new Error(`cannot read the preset file ${file}: ${errorMessage(error)}`, { cause: error });
  }
  const parsed = parsePresetFile(text);
  if (!parsed.ok) throw new Error(`--preset ${file}: ${parsed.error}`);
  // A seed belongs to one request, as in the app, which keeps the writer's own seed when a preset is chosen.
  const { seed: _seed, ...sampler } = parsed.preset.sampler;
  return sampler;
}

/** DRY as the preset has it, with the flags' changes. */
function drySettings(values: SteeringValues, base: DrySettings | undefined): DrySettings | undefined {
  const given = ['dry-multiplier', 'dry-base', 'dry-allowed-length', 'dry-breaker'].some(
    (k) => values[k as keyof SteeringValues] !== undefined,
  );
  if (!given) return base;
  const from = base ?? DEFAULT_DRY;
  return {
    ...from,
    multiplier: numberOption('dry-multiplier', values['dry-multiplier'], from.multiplier),
    base: numberOption('dry-base', values['dry-base'], from.base),
    allowedLength: numberOption('dry-allowed-length', values['dry-allowed-length'], from.allowedLength, true),
    sequenceBreakers: values['dry-breaker'] ?? from.sequenceBreakers,
  };
}

function biasEntry(raw: string): { phrase: string; strength: number } {
  const entry = parseBiasLine(raw);
  if (!entry) throw new UsageError(`--bias takes "PHRASE=STRENGTH", such as "the harbour=5" or "suddenly=-10", got "${raw}"`);
  return entry;
}

/** The request fields the steering flags set, and the sampler with DRY in it. */
export function steeringRequest(values: SteeringValues, sampler: SamplerSettings): Partial<GenerateRequest> & { sampler: SamplerSettings } {
  const dry = drySettings(values, sampler.dry);
  return {
    sampler: dry ? { ...sampler, dry } : sampler,
    ...(values.logprobs !== undefined ? { topAlternatives: numberOption('logprobs', values.logprobs, 0, true) } : {}),
    ...(values.after !== undefined ? { after: values.after } : {}),
    ...(values.ban ? { bans: values.ban } : {}),
    ...(values['ban-regex'] ? { banRegexes: values['ban-regex'] } : {}),
    ...(values.bias ? { bias: values.bias.map(biasEntry) } : {}),
  };
}
