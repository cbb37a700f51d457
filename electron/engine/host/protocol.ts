/**
 * Messages between the engine host (a child process, or Electron's utilityProcess) and its client.
 * Both directions are validated: a host that crashed half-way or a confused caller must not be trusted.
 * Requests are checked with the API's own schemas (electron/common/generation.ts): one set of limits.
 */
import { z } from 'zod';
import {
  countTokensTextSchema,
  generateRequestSchema,
  precisionSchema,
  prefillRequestSchema,
  scoreRequestSchema,
  type GenerateRequest,
  type PrefillRequest,
  type ScoreRequest,
} from '../../common/generation.js';
import type { ContextView, EngineInfo, EngineLoadOptions, GenerationEvent, PrefillResult, ScoreResult } from '../types.js';

export const loadOptionsSchema = z.object({
  modelDir: z.string().min(1),
  precision: precisionSchema.optional(),
  devices: z.array(z.string()).optional(),
  cacheDir: z.string().optional(),
  graph: z.enum(['auto', 'as-exported']).optional(),
  threads: z.number().int().min(1).max(256).optional(),
});

export type ClientMessage =
  | { type: 'load'; options: EngineLoadOptions }
  | { type: 'generate'; id: number; request: GenerateRequest }
  | { type: 'abort'; id: number }
  | { type: 'countTokens'; id: number; text: string }
  | { type: 'prefill'; id: number; request: PrefillRequest }
  /** Cancelled, like a generation, by an `abort` with the same id. */
  | { type: 'score'; id: number; request: ScoreRequest }
  | { type: 'inspect'; id: number; request: PrefillRequest }
  | { type: 'info'; id: number };

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), options: loadOptionsSchema }),
  z.object({ type: z.literal('generate'), id: z.number().int(), request: generateRequestSchema }),
  z.object({ type: z.literal('abort'), id: z.number().int() }),
  z.object({ type: z.literal('countTokens'), id: z.number().int(), text: countTokensTextSchema }),
  z.object({ type: z.literal('prefill'), id: z.number().int(), request: prefillRequestSchema }),
  z.object({ type: z.literal('score'), id: z.number().int(), request: scoreRequestSchema }),
  z.object({ type: z.literal('inspect'), id: z.number().int(), request: prefillRequestSchema }),
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
  | { type: 'result'; id: number; value: number | EngineInfo | PrefillResult | ScoreResult | ContextView }
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
