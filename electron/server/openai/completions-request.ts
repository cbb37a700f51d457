/**
 * What `POST /v1/completions` accepts, and how it maps onto one Kaituhi generation. Every value is bounded by the
 * engine's own limits (electron/common/generation.ts); a value out of range, of the wrong type or not supported
 * is a 400 that names the parameter. Fields Kaituhi does not know are ignored, as llama.cpp's and vLLM's servers
 * ignore them (clients such as SillyTavern send many); the few whose silent loss would change the text are refused.
 */
import { z } from 'zod';
import { DEFAULT_SAMPLER, GENERATION_LIMITS, MAX_TEXT_CHARS, type GenerateRequest, type SamplerSettings } from '../../common/generation.js';
import { badRequest } from './openai-errors.js';

const L = GENERATION_LIMITS;

/** OpenAI's own cap on `logprobs` for completions. */
export const MAX_LOGPROBS = 5;
/** OpenAI's default `max_tokens` for completions. */
export const DEFAULT_MAX_TOKENS = 16;
const MAX_MODEL_NAME_CHARS = 256;
const SEED_MAX = 2 ** 32 - 1;

const number = (min: number, max: number) => z.number().min(min).max(max).nullish();
const integer = (min: number, max: number) => z.number().int().min(min).max(max).nullish();

const completionSchema = z.object({
  model: z.string().max(MAX_MODEL_NAME_CHARS).nullish(),
  // The prompt is checked by hand (promptOf): its wrong shapes deserve their own sentences.
  prompt: z.unknown(),
  max_tokens: integer(0, L.maxTokens.max),
  temperature: number(L.temperature.min, L.temperature.max),
  top_p: number(0, 1),
  n: integer(L.candidates.min, L.candidates.max),
  best_of: integer(L.candidates.min, L.candidates.max),
  stop: z.union([z.string().max(L.stopStringChars), z.array(z.string().max(L.stopStringChars)).max(L.stopStrings)]).nullish(),
  seed: z.number().int().nullish(),
  logprobs: integer(0, MAX_LOGPROBS),
  echo: z.boolean().nullish(),
  presence_penalty: number(L.presencePenalty.min, L.presencePenalty.max),
  frequency_penalty: number(L.frequencyPenalty.min, L.frequencyPenalty.max),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  // Extensions that llama.cpp's and vLLM's servers accept, where Kaituhi has the knob.
  top_k: integer(-1, L.topK.max),
  min_p: number(0, 1),
  typical_p: number(0, 1),
  repetition_penalty: number(L.repetitionPenalty.min, L.repetitionPenalty.max),
  repeat_last_n: integer(0, L.repetitionWindow.max),
  // Known, and refused unless empty: ignoring them would change the text without saying so.
  logit_bias: z.record(z.string().max(32), z.number()).nullish(),
  suffix: z.string().max(MAX_TEXT_CHARS).nullish(),
  user: z.string().max(MAX_MODEL_NAME_CHARS).nullish(),
});

/** One completion request, checked and mapped. */
export interface CompletionPlan {
  /** The model the client named; null when it named none (any loaded model then serves it). */
  readonly model: string | null;
  readonly prompt: string;
  /** null when `max_tokens` is 0: with `echo`, the answer is the prompt alone. */
  readonly generate: GenerateRequest | null;
  readonly echo: boolean;
  /** Alternatives per token (0 to 5: OpenAI's `logprobs`), or null for no logprobs at all. */
  readonly logprobs: number | null;
  readonly stream: boolean;
  /** `stream_options.include_usage`: a last chunk with no choices and the usage, as OpenAI sends it. */
  readonly usageChunk: boolean;
}

/** Checks a parsed JSON body; throws an OpenAiError (400) naming the parameter that is wrong. */
export function planCompletion(body: unknown): CompletionPlan {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const parsed = completionSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.') || null;
    throw badRequest(`Invalid value for ${param ?? 'the request'}: ${issue.message}.`, param);
  }
  const value = parsed.data;
  const prompt = promptOf(value.prompt);
  const n = value.n ?? 1;
  if (value.best_of != null && value.best_of !== n) {
    throw badRequest('best_of is not supported: every one of the n completions is returned (leave best_of out or equal to n).', 'best_of');
  }
  if (value.logit_bias && Object.keys(value.logit_bias).length > 0) throw badRequest('logit_bias is not supported.', 'logit_bias');
  if (value.suffix) throw badRequest('suffix (insertion) is not supported.', 'suffix');
  const echo = value.echo ?? false;
  const maxTokens = value.max_tokens ?? DEFAULT_MAX_TOKENS;
  if (maxTokens === 0 && !echo) throw badRequest('max_tokens must be at least 1 (0 is only meaningful with echo).', 'max_tokens');
  const stopStrings = (typeof value.stop === 'string' ? [value.stop] : (value.stop ?? [])).filter((stop) => stop.length > 0);
  const logprobs = value.logprobs ?? null;
  const stream = value.stream ?? false;
  const request: GenerateRequest = {
    context: prompt,
    maxTokens,
    candidates: n,
    sampler: samplerOf(value),
    ...(stopStrings.length > 0 ? { stopStrings } : {}),
    stopAt: 'none',
    // A JSON answer needs only each choice's final text (and its tokens' alternatives, which then come with it).
    stream,
    // logprobs 0 still wants the chosen token's own logprob, which comes with its alternatives.
    ...(logprobs !== null ? { topAlternatives: Math.max(1, logprobs) } : {}),
  };
  return {
    model: value.model ?? null,
    prompt,
    generate: maxTokens === 0 ? null : request,
    echo,
    logprobs,
    stream,
    usageChunk: value.stream_options?.include_usage ?? false,
  };
}

function promptOf(raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw === 'string') {
    if (raw.length > MAX_TEXT_CHARS) throw badRequest(`prompt is longer than ${MAX_TEXT_CHARS} characters.`, 'prompt');
    return raw;
  }
  if (Array.isArray(raw)) {
    if (raw.length === 1 && typeof raw[0] === 'string') return promptOf(raw[0]);
    if (raw.length > 0 && raw.every((item) => typeof item === 'number')) {
      throw badRequest('prompt as token ids is not supported: send the text.', 'prompt');
    }
    throw badRequest(`prompt must be one string; an array of ${raw.length} prompts is not batched: send one request per prompt.`, 'prompt');
  }
  throw badRequest('prompt must be a string.', 'prompt');
}

type CompletionFields = z.infer<typeof completionSchema>;

/**
 * OpenAI's defaults where OpenAI has the knob (temperature 1, top_p 1, no penalties), every extension off unless
 * asked for. Temperature 0 is greedy. The repetition penalties look at the whole text, as OpenAI's and vLLM's do,
 * unless `repeat_last_n` (llama.cpp's name) narrows them.
 */
function samplerOf(value: CompletionFields): SamplerSettings {
  const temperature = value.temperature ?? 1;
  const seed = value.seed ?? null;
  if (seed !== null && seed !== -1 && (seed < 0 || seed > SEED_MAX)) {
    throw badRequest(`seed must be from 0 to ${SEED_MAX} (or -1 for a random one).`, 'seed');
  }
  return {
    greedy: temperature === 0,
    temperature: temperature === 0 ? DEFAULT_SAMPLER.temperature : temperature,
    topK: Math.max(0, value.top_k ?? 0),
    topP: value.top_p ?? 1,
    minP: value.min_p ?? 0,
    typicalP: value.typical_p ?? 1,
    repetitionPenalty: value.repetition_penalty ?? 1,
    repetitionWindow: value.repeat_last_n ?? L.repetitionWindow.max,
    noRepeatNgramSize: 0,
    ...(value.presence_penalty ? { presencePenalty: value.presence_penalty } : {}),
    ...(value.frequency_penalty ? { frequencyPenalty: value.frequency_penalty } : {}),
    ...(seed !== null && seed !== -1 ? { seed } : {}),
  };
}
