/**
 * What a generation request may ask for, in one place: the API boundary (renderer → services) and the engine
 * host's protocol (services → engine process) parse requests with these same schemas, so a request one
 * accepts the other never refuses. The Settings panel draws its ranges from the same limits.
 */
import { z } from 'zod';
import { MAX_MEMORY_CHARS } from './drafts.js';

/** The weight precisions a model can run at, most exact first. */
export const PRECISIONS = ['fp32', 'fp16', 'int8', 'q4'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const precisionSchema = z.enum(PRECISIONS);

/** Where a suggestion ends on its own: never, or at the end of a phrase, a sentence or a paragraph. */
export const STOP_AT = ['none', 'phrase', 'sentence', 'paragraph'] as const;
export type StopAt = (typeof STOP_AT)[number];

/** A prompt is the end of a draft (see prompt-window.ts); the engine only ever sees the last window of it. */
export const MAX_TEXT_CHARS = 2_000_000;

export const GENERATION_LIMITS = {
  temperature: { min: 0, max: 5 },
  topK: { min: 0, max: 100_000 },
  repetitionPenalty: { min: 0.5, max: 5 },
  repetitionWindow: { min: 0, max: 4096 },
  noRepeatNgramSize: { min: 0, max: 32 },
  /** A suggestion or a card, never a chapter; also at most half of GPT-2's 1024-position window. */
  maxTokens: { min: 1, max: 512 },
  /** Continuations decoded as one batch; the engine's buffers are sized for this many. */
  candidates: { min: 1, max: 8 },
  stopStrings: 16,
  stopStringChars: 200,
  /** Alternatives kept per generated token (0: none), as OpenAI's completions API allows at most 20. */
  topAlternatives: { min: 0, max: 20 },
} as const;

const finite = z.number().finite();
const intIn = (limits: { readonly min: number; readonly max: number }) => z.number().int().min(limits.min).max(limits.max);
const L = GENERATION_LIMITS;

export const samplerSchema = z
  .object({
    /** Greedy decoding: always the most likely token. Overrides every other knob except the penalties. */
    greedy: z.boolean(),
    temperature: finite.min(L.temperature.min).max(L.temperature.max),
    /** 0 disables. */
    topK: intIn(L.topK),
    /** 1 disables. */
    topP: finite.min(0).max(1),
    /** 0 disables. */
    minP: finite.min(0).max(1),
    /** Locally typical sampling mass; 1 disables. */
    typicalP: finite.min(0).max(1),
    /** 1 disables. Divides positive logits / multiplies negative ones of tokens seen in the window. */
    repetitionPenalty: finite.min(L.repetitionPenalty.min).max(L.repetitionPenalty.max),
    /** How many recent tokens the repetition penalty looks at. */
    repetitionWindow: intIn(L.repetitionWindow),
    /** Forbid repeating any n-gram of this size; 0 disables. */
    noRepeatNgramSize: intIn(L.noRepeatNgramSize),
    /** Same seed, same request, same output. Absent: a random seed. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict();
export type SamplerSettings = z.infer<typeof samplerSchema>;

export const DEFAULT_SAMPLER: SamplerSettings = {
  greedy: false,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0,
  typicalP: 1,
  repetitionPenalty: 1.1,
  repetitionWindow: 256,
  noRepeatNgramSize: 0,
};

const text = z.string().max(MAX_TEXT_CHARS);
/** Pinned ahead of the context (the story's memory notes); never slid out of the window. */
const memory = z.string().max(MAX_MEMORY_CHARS).optional();

export const generateRequestSchema = z
  .object({
    memory,
    /** The text before the cursor: the prompt. */
    context: text,
    maxTokens: intIn(L.maxTokens),
    /** Independent continuations decoded as one batch over one shared prefill. */
    candidates: intIn(L.candidates),
    sampler: samplerSchema,
    stopStrings: z.array(z.string().min(1).max(L.stopStringChars)).max(L.stopStrings).optional(),
    stopAt: z.enum(STOP_AT).optional(),
    /**
     * false: send only each candidate's final text and the stats, not every token as it comes. Ghost text
     * reads only the end result, so its tokens need not cross two process boundaries one by one.
     */
    stream: z.boolean().optional(),
    /**
     * Per generated token, the N likeliest tokens the model considered at that position (0, the default: none),
     * with the chosen token's own log-probability in that distribution. On streamed `token` events; with
     * `stream: false` on each candidate's `done` event instead. See `TokenAlternatives` in engine/types.ts.
     */
    topAlternatives: intIn(L.topAlternatives).optional(),
  })
  .strict();
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

/** A text to cache ahead of the next request; `maxTokens` places the window as that request will. */
export const prefillRequestSchema = z.object({ memory, context: text, maxTokens: intIn(L.maxTokens) }).strict();
export type PrefillRequest = z.infer<typeof prefillRequestSchema>;

export const countTokensTextSchema = text;
