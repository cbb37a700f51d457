/**
 * What a generation request may ask for, in one place: the API boundary (renderer → services) and the engine
 * host's protocol (services → engine process) parse requests with these same schemas, so a request one
 * accepts the other never refuses. The Settings panel draws its ranges from the same limits.
 */
import { z } from 'zod';
import { MAX_MEMORY_CHARS } from './drafts.js';
import { authorNoteSchema, lorebookSchema } from './lore.js';

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
  /** Probability masses. */
  topP: { min: 0, max: 1 },
  minP: { min: 0, max: 1 },
  typicalP: { min: 0, max: 1 },
  repetitionPenalty: { min: 0.5, max: 5 },
  repetitionWindow: { min: 0, max: 4096 },
  /** OpenAI's additive penalties, in its range. */
  presencePenalty: { min: -2, max: 2 },
  frequencyPenalty: { min: -2, max: 2 },
  noRepeatNgramSize: { min: 0, max: 32 },
  /** A suggestion or a card, never a chapter; also at most half of GPT-2's 1024-position window. */
  maxTokens: { min: 1, max: 512 },
  /** Continuations decoded as one batch; the engine's buffers are sized for this many. */
  candidates: { min: 1, max: 8 },
  stopStrings: 16,
  stopStringChars: 200,
  /** Alternatives kept per generated token (0: none), as OpenAI's completions API allows at most 20. */
  topAlternatives: { min: 0, max: 20 },
  /**
   * A text scored in one request: a long chapter (about 20,000 words). Scoring reads every token with up to a
   * window of context, so a whole novel is scored in pieces, each with the text before it as its context.
   */
  scoreTextChars: 100_000,
  /** The text after the cursor that candidates are scored against: how many of its tokens, and of its characters. */
  joiningTokens: 24,
  afterChars: 2000,
  /** Banned phrases and banned regular expressions, each list. */
  bans: 64,
  /**
   * A banned phrase's length, a regular expression's source, and the longest match a regular expression is enforced
   * for: generation holds back at most this many characters while a ban could still match.
   */
  banChars: 100,
  biasPhrases: 32,
  biasChars: 100,
  /** Added to the logit of the phrase's next token; -100 all but bans it, +100 all but forces it. */
  biasStrength: { min: -100, max: 100 },
  /** DRY (see `drySchema`). */
  dryMultiplier: { min: 0, max: 10 },
  dryBase: { min: 1, max: 10 },
  dryAllowedLength: { min: 1, max: 50 },
  dryRange: { min: 0, max: 4096 },
  dryBreakers: 32,
  dryBreakerChars: 16,
} as const;

const finite = z.number().finite();
const intIn = (limits: { readonly min: number; readonly max: number }) => z.number().int().min(limits.min).max(limits.max);
const L = GENERATION_LIMITS;

/**
 * DRY, "don't repeat yourself" (p-e-w; text-generation-webui PR 5677, KoboldCpp PR 982): a token that would extend
 * a run of tokens already seen earlier in the text loses multiplier * base^(n - allowedLength) from its logit, n
 * being the length of the repeated run it extends (from allowedLength on; at most 50). A run stops at a sequence
 * breaker (each string stands for the last token of 'a' + string, as text-generation-webui maps them).
 */
export const drySchema = z
  .object({
    /** 0 disables. 0.8 is the usual strength. */
    multiplier: finite.min(L.dryMultiplier.min).max(L.dryMultiplier.max),
    base: finite.min(L.dryBase.min).max(L.dryBase.max),
    allowedLength: intIn(L.dryAllowedLength),
    sequenceBreakers: z.array(z.string().min(1).max(L.dryBreakerChars)).max(L.dryBreakers),
    /** How many recent tokens it looks at; 0: all the model sees. */
    range: intIn(L.dryRange).optional(),
  })
  .strict();
export type DrySettings = z.infer<typeof drySchema>;

/** text-generation-webui's defaults; the multiplier 0 leaves DRY off until a writer or a preset turns it on. */
export const DEFAULT_DRY: DrySettings = { multiplier: 0, base: 1.75, allowedLength: 2, sequenceBreakers: ['\n', ':', '"', '*'] };

export const samplerSchema = z
  .object({
    /** Greedy decoding: always the most likely token. Overrides every other knob except the penalties. */
    greedy: z.boolean(),
    temperature: finite.min(L.temperature.min).max(L.temperature.max),
    /** 0 disables. */
    topK: intIn(L.topK),
    /** 1 disables. */
    topP: finite.min(L.topP.min).max(L.topP.max),
    /** 0 disables. */
    minP: finite.min(L.minP.min).max(L.minP.max),
    /** Locally typical sampling mass; 1 disables. */
    typicalP: finite.min(L.typicalP.min).max(L.typicalP.max),
    /** 1 disables. Divides positive logits / multiplies negative ones of tokens seen in the window. */
    repetitionPenalty: finite.min(L.repetitionPenalty.min).max(L.repetitionPenalty.max),
    /** How many recent tokens the repetition penalties look at. */
    repetitionWindow: intIn(L.repetitionWindow),
    /**
     * OpenAI's penalties (the completions API's presence_penalty and frequency_penalty), over the same window:
     * subtracted from the logit of every token seen there, once (presence) and once per occurrence (frequency).
     * Absent or 0 disables.
     */
    presencePenalty: finite.min(L.presencePenalty.min).max(L.presencePenalty.max).optional(),
    frequencyPenalty: finite.min(L.frequencyPenalty.min).max(L.frequencyPenalty.max).optional(),
    /** Forbid repeating any n-gram of this size; 0 disables. */
    noRepeatNgramSize: intIn(L.noRepeatNgramSize),
    /** Absent: no DRY. */
    dry: drySchema.optional(),
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
/**
 * The story context a request carries besides its text: memory pinned ahead of it (never slid out of the window),
 * the author's note and the lorebook (electron/common/lore.ts). The engine assembles them (engine/context-window.ts).
 */
const story = {
  memory: z.string().max(MAX_MEMORY_CHARS).optional(),
  note: authorNoteSchema.optional(),
  lorebook: lorebookSchema.optional(),
};

export const generateRequestSchema = z
  .object({
    ...story,
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
    /**
     * The text after the cursor (the rest of the paragraph; only its first `joiningTokens` tokens are read). Each
     * candidate's `done` then carries its joining score: how well the candidate leads into this text.
     */
    after: z.string().max(L.afterChars).optional(),
    /**
     * Words and phrases the text must never contain, matched case-insensitively and as whole words where they begin
     * or end with a letter or digit. A phrase the text completes is taken back to the token where it began, that
     * token is banned there, and the model chooses again (engine/bans.ts).
     */
    bans: z.array(z.string().trim().min(1).max(L.banChars)).max(L.bans).optional(),
    /** Regular expressions (RE2 syntax: no backtracking) whose matches, up to `banChars` long, are banned likewise. */
    banRegexes: z.array(z.string().min(1).max(L.banChars)).max(L.bans).optional(),
    /**
     * Phrase bias: `strength` is added to the logit of the phrase's first token, and of each next token while the
     * text is spelling the phrase out (engine/phrase-bias.ts). Negative discourages, positive encourages.
     */
    bias: z
      .array(
        z
          .object({
            phrase: z.string().min(1).max(L.biasChars),
            strength: finite.min(L.biasStrength.min).max(L.biasStrength.max),
          })
          .strict(),
      )
      .max(L.biasPhrases)
      .optional(),
  })
  .strict();
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

/** A text to cache ahead of the next request; `maxTokens` places the window as that request will. */
export const prefillRequestSchema = z
  .object({
    ...story,
    context: text,
    maxTokens: intIn(L.maxTokens),
    /**
     * A guess at the next request (the ghost text on screen, which Tab would accept): cache it only where that
     * keeps the window where the cache has it. A guess that would slide the window is left undone, so a request
     * that does not follow the guess still finds its own text cached.
     */
    keepWindow: z.boolean().optional(),
  })
  .strict();
export type PrefillRequest = z.infer<typeof prefillRequestSchema>;

/**
 * A text to score: every token's log-probability and rank under the model, each token reading the memory, the
 * context and the text before it (as much as fits the window). The context is read, not scored.
 */
export const scoreRequestSchema = z
  .object({
    memory: story.memory,
    context: text,
    text: z.string().max(L.scoreTextChars),
    /** Per scored token, the N likeliest tokens at its position (0, the default: none). */
    topAlternatives: intIn(L.topAlternatives).optional(),
  })
  .strict();
export type ScoreRequest = z.infer<typeof scoreRequestSchema>;

export const countTokensTextSchema = text;
