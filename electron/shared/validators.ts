/**
 * Zod schemas for everything that crosses a process boundary: renderer → main (IPC), browser → server
 * (WebSocket), settings file → app. A payload that does not parse is dropped with an error; it never
 * reaches a service. Limits are generous for writers and tight for attackers (no 100 MB prompts).
 */
import { z } from 'zod';
import type { ClientMessage, ImportSource, ServerMessage } from './api.js';
import { SETTINGS_LIMITS, type Settings } from './settings.js';
import { draftsCallSchemas, MAX_DRAFT_CHARS } from './drafts-validators.js';
import type { GenerateRequest, SamplerSettings } from '../engine/types.js';

/** A long novel is ~1 M characters; the engine only ever sees the last window of it. */
export const MAX_TEXT_CHARS = 2_000_000;
const MAX_ID = Number.MAX_SAFE_INTEGER;

const finite = z.number().finite();

export const samplerSchema = z
  .object({
    greedy: z.boolean(),
    temperature: finite.min(0).max(5),
    topK: z.number().int().min(0).max(100_000),
    topP: finite.min(0).max(1),
    minP: finite.min(0).max(1),
    typicalP: finite.min(0).max(1),
    repetitionPenalty: finite.min(0.5).max(5),
    repetitionWindow: z.number().int().min(0).max(4096),
    noRepeatNgramSize: z.number().int().min(0).max(32),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict() satisfies z.ZodType<SamplerSettings>;

const text = z.string().max(MAX_TEXT_CHARS);

export const generateRequestSchema = z
  .object({
    memory: text.optional(),
    context: text,
    // The engine's own limit: a suggestion or a card, never a chapter.
    maxTokens: z.number().int().min(1).max(512),
    candidates: z.number().int().min(1).max(16),
    sampler: samplerSchema,
    stopStrings: z.array(z.string().min(1).max(200)).max(16).optional(),
    stopAt: z.enum(['none', 'phrase', 'sentence', 'paragraph']).optional(),
  })
  .strict() satisfies z.ZodType<GenerateRequest>;

const intIn = (limits: { min: number; max: number }) => z.number().int().min(limits.min).max(limits.max);

export const settingsSchema = z
  .object({
    version: z.literal(1),
    sampler: samplerSchema,
    inline: z
      .object({
        enabled: z.boolean(),
        length: z.enum(['phrase', 'sentence', 'paragraph']),
        maxTokens: intIn(SETTINGS_LIMITS.maxTokens),
        debounceMs: intIn(SETTINGS_LIMITS.debounceMs),
        alternatives: intIn(SETTINGS_LIMITS.alternatives),
      })
      .strict(),
    continuation: z
      .object({
        candidates: intIn(SETTINGS_LIMITS.candidates),
        maxTokens: intIn(SETTINGS_LIMITS.maxTokens),
      })
      .strict(),
    modelDir: z.string().min(1).max(4096).nullable(),
    theme: z.enum(['light', 'dark']),
  })
  .strict() satisfies z.ZodType<Settings>;

const id = z.number().int().min(0).max(MAX_ID);

// ---- models (issue 5) ----
/** A store id or catalog variant id: a plain name, never a path. */
const modelIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/);
/** One folder name under the server's import root: no separators, no `..`, nothing hidden. */
const importFolderSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!\.)[^/\\\0]+$/);

export const importSourceSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('dialog') }).strict(),
  z.object({ by: z.literal('import-root'), folder: importFolderSchema }).strict(),
]) satisfies z.ZodType<ImportSource>;

function modelsCallSchemas() {
  return [
    z.object({ method: z.literal('getModels') }).strict(),
    z.object({ method: z.literal('getModelOffer') }).strict(),
    z.object({ method: z.literal('downloadModel'), variantId: modelIdSchema }).strict(),
    z.object({ method: z.literal('pauseDownload') }).strict(),
    z.object({ method: z.literal('cancelDownload') }).strict(),
    z.object({ method: z.literal('setActiveModel'), id: modelIdSchema }).strict(),
    z.object({ method: z.literal('deleteModel'), id: modelIdSchema }).strict(),
    z.object({ method: z.literal('listImportFolders') }).strict(),
    z.object({ method: z.literal('importModel'), from: importSourceSchema }).strict(),
  ] as const;
}
// ---- end models ----

const apiCallSchema = z.discriminatedUnion('method', [
  ...draftsCallSchemas,
  z.object({ method: z.literal('getSnapshot') }).strict(),
  z.object({ method: z.literal('saveSettings'), settings: settingsSchema }).strict(),
  z.object({ method: z.literal('countTokens'), text }).strict(),
  z.object({ method: z.literal('restartEngine') }).strict(),
  z.object({ method: z.literal('openExternal'), url: z.string().max(2048) }).strict(),
  z.object({ method: z.literal('chooseModelFolder') }).strict(),
  ...modelsCallSchemas(),
]);

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id, call: apiCallSchema }).strict(),
  z.object({ type: z.literal('generate'), id, request: generateRequestSchema }).strict(),
  z.object({ type: z.literal('cancel'), id }).strict(),
]) satisfies z.ZodType<ClientMessage>;

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

function parseWith<T>(schema: z.ZodType<T>, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describe(result.error) };
}

export const parseClientMessage = (input: unknown): ParseResult<ClientMessage> => parseWith(clientMessageSchema, input);
export const parseSettings = (input: unknown): ParseResult<Settings> => parseWith(settingsSchema, input);
export const parseGenerateRequest = (input: unknown): ParseResult<GenerateRequest> => parseWith(generateRequestSchema, input);

export function isServerMessage(input: unknown): input is ServerMessage {
  return serverMessageShapeSchema.safeParse(input).success || draftPushShapeSchema.safeParse(input).success;
}

/** WebSocket frames arrive as text; a frame that is not JSON is as malformed as a bad shape. */
/** Two prompt texts, or one whole draft sent after a missed change (a 10 MB manuscript must fit). */
export const MAX_CLIENT_FRAME_CHARS = Math.max(MAX_TEXT_CHARS * 2, MAX_DRAFT_CHARS * 2) + 65_536;
/**
 * Brackets a frame may open inside each other. Messages go five deep (an edit's change in its list); JSON.parse
 * takes seconds on a few megabytes of `[[[[`, so deeper frames are refused before they are parsed.
 */
export const MAX_FRAME_NESTING = 32;

/** A failure carries the JSON when it parsed, so the server can answer by its id without parsing it again. */
export type FrameResult = { ok: true; value: ClientMessage } | { ok: false; error: string; json?: unknown };

export function parseClientFrame(frame: string): FrameResult {
  if (frame.length > MAX_CLIENT_FRAME_CHARS) return { ok: false, error: 'message too large' };
  if (nestsDeeperThan(frame, MAX_FRAME_NESTING)) return { ok: false, error: 'message nested too deeply' };
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = parseClientMessage(json);
  return parsed.ok ? parsed : { ...parsed, json };
}

/**
 * One pass, stopping at the first bracket too many; brackets inside strings do not count. Strings, which
 * hold nearly all of a large frame, are skipped with indexOf rather than walked a character at a time.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
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
