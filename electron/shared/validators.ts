/**
 * Zod schemas for everything that crosses a process boundary: renderer → main (IPC), browser → server
 * (WebSocket), settings file → app. A payload that does not parse is dropped with an error; it never
 * reaches a service. Limits are generous for writers and tight for attackers (no 100 MB prompts).
 */
import { z } from 'zod';
import { MAX_DRAFT_CHARS } from '../common/drafts.js';
import { generateRequestSchema, MAX_TEXT_CHARS } from '../common/generation.js';
import { settingsSchema, type Settings } from '../common/settings.js';
import type { ClientMessage, ServerMessage } from './api.js';
import { apiCalls } from './calls/index.js';
import { callSchemaOf } from './calls/define.js';

export { MAX_TEXT_CHARS };
const MAX_ID = Number.MAX_SAFE_INTEGER;

const id = z.number().int().min(0).max(MAX_ID);

/** Every call of every domain, derived from the tables in calls/. */
export const apiCallSchema = callSchemaOf(apiCalls);

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id, call: apiCallSchema }).strict(),
  z.object({ type: z.literal('generate'), id, request: generateRequestSchema }).strict(),
  z.object({ type: z.literal('cancel'), id }).strict(),
]);

/**
 * Services → renderer messages are produced by our own code, so the preload checks only their shape
 * (a compromised main process owns the machine anyway); the point is to never forward junk.
 */
export const serverMessageShapeSchema = z
  .object({ type: z.enum(['result', 'generation', 'generation-end', 'engine', 'settings', 'models']) })
  .passthrough();

const draftPushShapeSchema = z.object({ type: z.literal('draft'), event: z.object({ kind: z.string() }).passthrough() }).passthrough();

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<T>(schema: z.ZodType, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  // The schema is derived from the same tables as the type, so what it accepts is a T.
  return result.success ? { ok: true, value: result.data as T } : { ok: false, error: describe(result.error) };
}

export const parseClientMessage = (input: unknown): ParseResult<ClientMessage> => parseWith<ClientMessage>(clientMessageSchema, input);
export const parseSettings = (input: unknown): ParseResult<Settings> => parseWith<Settings>(settingsSchema, input);

export function isServerMessage(input: unknown): input is ServerMessage {
  return serverMessageShapeSchema.safeParse(input).success || draftPushShapeSchema.safeParse(input).success;
}

/** Two prompt texts, or one whole draft sent after a missed change (a 10 MB manuscript must fit). */
export const MAX_CLIENT_FRAME_CHARS = Math.max(MAX_TEXT_CHARS * 2, MAX_DRAFT_CHARS * 2) + 65_536;

/** Text that must hold JSON of some shape (a file, a frame): text that is not JSON is as malformed as a bad shape. */
export function parseJsonText<T>(text: string, parse: (value: unknown) => ParseResult<T>): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  return parse(json);
}

/** WebSocket frames arrive as text. */
export function parseClientFrame(frame: string): ParseResult<ClientMessage> {
  if (frame.length > MAX_CLIENT_FRAME_CHARS) return { ok: false, error: 'message too large' };
  return parseJsonText(frame, parseClientMessage);
}
