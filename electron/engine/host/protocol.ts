/**
 * Messages between the engine host (worker thread or Electron utilityProcess) and its client.
 * Both directions are validated: a host that crashed half-way or a confused caller must not be trusted.
 */
import { z } from 'zod';
import type { EngineInfo, EngineLoadOptions, GenerateRequest, GenerationEvent, PrefillRequest, PrefillResult } from '../types.js';

const precision = z.enum(['fp32', 'fp16', 'int8', 'q4']);

export const loadOptionsSchema = z.object({
  modelDir: z.string().min(1),
  precision: precision.optional(),
  devices: z.array(z.string()).optional(),
  cacheDir: z.string().optional(),
  graph: z.enum(['auto', 'as-exported']).optional(),
  threads: z.number().int().min(1).max(256).optional(),
});

export const samplerSchema = z.object({
  greedy: z.boolean(),
  temperature: z.number().min(0).max(10),
  topK: z.number().int().min(0),
  topP: z.number().min(0).max(1),
  minP: z.number().min(0).max(1),
  typicalP: z.number().min(0).max(1),
  repetitionPenalty: z.number().min(0.1).max(10),
  repetitionWindow: z.number().int().min(0).max(4096),
  noRepeatNgramSize: z.number().int().min(0).max(16),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
});

export const generateRequestSchema = z.object({
  memory: z.string().max(1_000_000).optional(),
  // A whole novel may arrive; context assembly keeps only the tail that fits the window.
  context: z.string().max(64_000_000),
  maxTokens: z.number().int().min(1).max(2048),
  candidates: z.number().int().min(1).max(8),
  sampler: samplerSchema,
  stopStrings: z.array(z.string().min(1).max(200)).max(16).optional(),
  stopAt: z.enum(['none', 'phrase', 'sentence', 'paragraph']).optional(),
});

export type ClientMessage =
  | { type: 'load'; options: EngineLoadOptions }
  | { type: 'generate'; id: number; request: GenerateRequest }
  | { type: 'abort'; id: number }
  | { type: 'countTokens'; id: number; text: string }
  | { type: 'prefill'; id: number; request: PrefillRequest }
  | { type: 'info'; id: number };

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), options: loadOptionsSchema }),
  z.object({ type: z.literal('generate'), id: z.number().int(), request: generateRequestSchema }),
  z.object({ type: z.literal('abort'), id: z.number().int() }),
  z.object({ type: z.literal('countTokens'), id: z.number().int(), text: z.string() }),
  z.object({
    type: z.literal('prefill'),
    id: z.number().int(),
    request: z.object({
      memory: z.string().max(1_000_000).optional(),
      context: z.string().max(64_000_000),
      maxTokens: z.number().int().min(1).max(2048),
    }),
  }),
  z.object({ type: z.literal('info'), id: z.number().int() }),
]);

export interface SerializedError {
  name: string;
  message: string;
  file?: string;
}

export type HostMessage =
  | { type: 'loaded'; info: EngineInfo }
  | { type: 'load-failed'; error: SerializedError }
  | { type: 'event'; id: number; event: GenerationEvent }
  | { type: 'end'; id: number }
  | { type: 'result'; id: number; value: number | EngineInfo | PrefillResult }
  | { type: 'error'; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const file = (error as { file?: unknown }).file;
    return { name: error.name, message: error.message, ...(typeof file === 'string' ? { file } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** The error a client rethrows: keeps the host's error name and message so the UI can show them. */
export class EngineHostError extends Error {
  constructor(serialized: SerializedError) {
    super(serialized.message);
    this.name = serialized.name;
  }
}
