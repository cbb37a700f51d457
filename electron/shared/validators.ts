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
/**
 * Brackets a frame may open inside each other. Messages go five deep (an edit's change in its list); JSON.parse
 * takes seconds on a few megabytes of `[[[[`, so deeper frames are refused before they are parsed.
 */
export const MAX_FRAME_NESTING = 32;

/** Text that must hold JSON of some shape (a file, a frame): text that is not JSON is as malformed as a bad shape. */
export function parseJsonText<R>(text: string, parse: (value: unknown) => R): R | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  return parse(json);
}

/** A failure carries the JSON when it parsed, so the server can answer by its id without parsing it again. */
export type FrameResult = { ok: true; value: ClientMessage } | { ok: false; error: string; json?: unknown };

/** WebSocket frames arrive as text. */
export function parseClientFrame(frame: string): FrameResult {
  if (frame.length > MAX_CLIENT_FRAME_CHARS) return { ok: false, error: 'message too large' };
  if (nestsDeeperThan(frame, MAX_FRAME_NESTING)) return { ok: false, error: 'message nested too deeply' };
  return parseJsonText(frame, (json): FrameResult => {
    const parsed = parseClientMessage(json);
    return parsed.ok ? parsed : { ...parsed, json };
  });
}

/**
 * One pass, stopping at the first bracket too many; brackets inside strings do not count. Strings, which
 * hold nearly all of a large frame, are skipped with indexOf rather than walked a character at a time.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  const structural = /["[\]{}]/g;
  let depth = 0;
  for (let match = structural.exec(text); match !== null; match = structural.exec(text)) {
    const c = match[0];
    if (c === '"') {
      const end = closingQuote(text, match.index + 1);
      if (end < 0) return false; // not JSON: JSON.parse refuses it at once
      structural.lastIndex = end + 1;
    } else if (c === '[' || c === '{') {
      if (++depth > limit) return true;
    } else depth -= 1;
  }
  return false;
}

/** Where the string that starts at `from` ends: the next quote after an even run of backslashes; -1 if none. */
function closingQuote(text: string, from: number): number {
  for (let at = from; ;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}
