/**
 * The command line's ways to steer a generation (issue 12): alternatives per token, banned phrases and patterns,
 * phrase bias, DRY and presets, and the text after the cursor for joining scores. Parsed here so that
 * `kaituhi generate` only merges them into its request, which the one schema (common/generation.ts) then checks.
 */
import { DEFAULT_DRY, GENERATION_LIMITS, type DrySettings, type GenerateRequest, type SamplerSettings } from '../common/generation.js';
import { BUILT_IN_PRESETS, builtInPreset } from '../common/presets.js';
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
  `  --preset NAME            start from a sampler preset (the flags above change it further):`,
  ...BUILT_IN_PRESETS.map((p) => `                             ${p.id.padEnd(presetWidth)}  ${p.description}`),
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

/** The sampler a generation starts from: the preset's, or the app's default. */
export function baseSampler(values: SteeringValues): SamplerSettings {
  if (values.preset === undefined) return (builtInPreset('balanced') ?? BUILT_IN_PRESETS[0]).sampler;
  const preset = builtInPreset(values.preset);
  if (!preset) throw new UsageError(`--preset must be one of ${BUILT_IN_PRESETS.map((p) => p.id).join(', ')}, got "${values.preset}"`);
  return preset.sampler;
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
