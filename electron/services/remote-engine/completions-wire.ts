/**
 * What Kaituhi sends to an OpenAI-compatible server and what it accepts back. The servers differ (llama.cpp, vLLM,
 * TGI, KoboldCpp, OpenAI itself), so answers are read leniently but bounded: unknown fields are ignored, the fields
 * Kaituhi uses are checked with zod, and an answer that does not fit is an error with the server's own words.
 */
import { z } from 'zod';
import { GENERATION_LIMITS, type GenerateRequest } from '../../common/generation.js';

/** The API's base: the URL as given, with /v1 added when it names only the server (http://host:8080). */
export function apiBase(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.origin}${path === '' ? '/v1' : path}`;
}

/** OpenAI caps completions' `logprobs` at 5 and `stop` at 4 strings; Kaituhi asks for no more. */
const MAX_REMOTE_LOGPROBS = 5;
const MAX_REMOTE_STOPS = 4;

/**
 * The completions request for one Kaituhi generation: streamed, with usage, the sampler mapped onto OpenAI's
 * parameters and the extensions llama.cpp and vLLM accept (sent only when they are not at their neutral value, so
 * a server that lacks one is not asked for it). Stop strings and stop-at-sentence are also applied here, on the
 * text as it arrives.
 */
export function completionBody(request: GenerateRequest, prompt: string, model: string | null) {
  const { sampler } = request;
  const stop = (request.stopStrings ?? []).slice(0, MAX_REMOTE_STOPS);
  const logprobs = Math.min(request.topAlternatives ?? 0, MAX_REMOTE_LOGPROBS);
  return {
    ...(model ? { model } : {}),
    prompt,
    max_tokens: request.maxTokens,
    n: request.candidates,
    stream: true,
    stream_options: { include_usage: true },
    temperature: sampler.greedy ? 0 : sampler.temperature,
    ...(sampler.greedy ? {} : neutralOmitted(sampler)),
    ...(sampler.repetitionPenalty !== 1 ? { repetition_penalty: sampler.repetitionPenalty } : {}),
    ...(sampler.presencePenalty ? { presence_penalty: sampler.presencePenalty } : {}),
    ...(sampler.frequencyPenalty ? { frequency_penalty: sampler.frequencyPenalty } : {}),
    ...(sampler.seed !== undefined ? { seed: sampler.seed } : {}),
    ...(stop.length > 0 ? { stop } : {}),
    ...(logprobs > 0 ? { logprobs } : {}),
  };
}

function neutralOmitted(sampler: GenerateRequest['sampler']) {
  return {
    ...(sampler.topP < 1 ? { top_p: sampler.topP } : {}),
    ...(sampler.topK > 0 ? { top_k: sampler.topK } : {}),
    ...(sampler.minP > 0 ? { min_p: sampler.minP } : {}),
    ...(sampler.typicalP < 1 ? { typical_p: sampler.typicalP } : {}),
  };
}

/** Bounds on what is read from a server: a choice index within the request, texts of sane length. */
const MAX_PIECE_CHARS = 65_536;
const index = z
  .number()
  .int()
  .min(0)
  .max(GENERATION_LIMITS.candidates.max - 1);
const count = z.number().int().min(0).max(1e9);

const logprobsSchema = z
  .object({
    tokens: z.array(z.string().max(MAX_PIECE_CHARS)).max(4096),
    token_logprobs: z.array(z.number().nullable()).max(4096),
    top_logprobs: z
      .array(z.record(z.string().max(MAX_PIECE_CHARS), z.number()).nullable())
      .max(4096)
      .nullish(),
  })
  .nullish();

export const completionChunkSchema = z.object({
  choices: z
    .array(
      z.object({
        text: z.string().max(MAX_PIECE_CHARS).nullish(),
        index: index.nullish(),
        logprobs: logprobsSchema,
        finish_reason: z.string().max(64).nullish(),
      }),
    )
    .max(64)
    .nullish(),
  usage: z.object({ prompt_tokens: count.nullish(), completion_tokens: count.nullish() }).nullish(),
  error: z.unknown().optional(),
});
export type CompletionChunk = z.infer<typeof completionChunkSchema>;
export type ChunkLogprobs = NonNullable<z.infer<typeof logprobsSchema>>;

/**
 * `GET /models`. The window is read where each server puts it: `max_model_len` (vLLM, `kaituhi serve`), llama.cpp's
 * `meta.n_ctx` or `meta.n_ctx_train`.
 */
export const modelListSchema = z.object({
  data: z
    .array(
      z.object({
        id: z.string().min(1).max(1024),
        max_model_len: count.nullish(),
        meta: z.object({ n_ctx: count.nullish(), n_ctx_train: count.nullish() }).passthrough().nullish(),
      }),
    )
    .max(1024),
});

export interface ListedModel {
  readonly id: string;
  readonly contextWindow: number | null;
}

export function listedModels(list: z.infer<typeof modelListSchema>): ListedModel[] {
  return list.data.map((model) => ({
    id: model.id,
    contextWindow: model.max_model_len || model.meta?.n_ctx || model.meta?.n_ctx_train || null,
  }));
}

/** The words an error answer carries, wherever the server put them (OpenAI, llama.cpp, vLLM, TGI), bounded. */
export function errorWords(body: string): string {
  const text = body.trim();
  try {
    const json = JSON.parse(text) as unknown;
    const found = findMessage(json);
    if (found) return bounded(found);
  } catch {
    // not JSON: the text itself
  }
  return bounded(text);
}

function findMessage(json: unknown): string | null {
  if (typeof json === 'string') return json;
  if (typeof json !== 'object' || json === null) return null;
  const record = json as Record<string, unknown>;
  for (const key of ['error', 'message', 'detail']) {
    const inner = record[key];
    const found = typeof inner === 'string' ? inner : findMessage(inner);
    if (found) return found;
  }
  return null;
}

const MAX_ERROR_CHARS = 300;

function bounded(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_ERROR_CHARS ? `${oneLine.slice(0, MAX_ERROR_CHARS)}…` : oneLine;
}
