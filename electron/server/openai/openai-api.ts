/**
 * The OpenAI-compatible completions API of `kaituhi serve`: `GET /v1/models` and `POST /v1/completions`, so that
 * mikupad, SillyTavern, the `openai` client or another Kaituhi can use this engine. Every request is checked as
 * hostile: loopback Host, an allowed Origin (browsers), the key, a bounded body; every answer that is not a
 * success is an OpenAI-shaped error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_LIMITS } from '../../services/client-limits.js';
import { nestsDeeperThan } from '../../shared/validators.js';
import { errorMessage } from '../../common/error-message.js';
import {
  checkApiOrigin,
  checkApiRequest,
  corsAllows,
  OPENAI_API_PREFIX,
  parseTarget,
  type AccessPolicy,
  type RequestFacts,
} from '../access-policy.js';
import { serveCompletion, type CompletionDeps } from './completions.js';
import { planCompletion } from './completions-request.js';
import { badRequest, OpenAiError } from './openai-errors.js';
import { modelList, servedModel } from './served-model.js';

/** Request headers a page from an allowed origin may send: what the openai client and mikupad send. */
const ALLOWED_HEADER = /^(authorization|content-type|accept|openai-[a-z-]+|x-stainless-[a-z-]+)$/;
/** JSON bodies nest a few levels (stream_options, logit_bias); deeper ones are refused before they are parsed. */
const MAX_BODY_NESTING = 8;

/** Every path under /v1/ is the API's: answered in its shape, never as one of the page's files. */
export function isOpenAiPath(rawTarget: string | undefined): boolean {
  const path = parseTarget(rawTarget)?.path;
  return path !== undefined && (path === '/v1' || path.startsWith(OPENAI_API_PREFIX));
}

/** Answers one request to a /v1/ path; never throws (a failure is an OpenAI-shaped 500). */
export async function handleOpenAiRequest(
  policy: AccessPolicy,
  deps: CompletionDeps,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const facts: RequestFacts = {
    url: request.url,
    host: request.headers.host,
    origin: request.headers.origin,
    authorization: request.headers.authorization,
  };
  const cors = corsHeaders(policy, facts.origin);
  try {
    if (request.method === 'OPTIONS') {
      preflight(policy, facts, request, response, cors);
      return;
    }
    const verdict = checkApiRequest(policy, facts);
    if (!verdict.ok) {
      const code = { 400: 'invalid_target', 401: 'invalid_api_key', 403: 'origin_not_allowed', 421: 'misdirected_request', 503: null }[
        verdict.status
      ];
      throw new OpenAiError(verdict.status, `${capitalise(verdict.reason)}.`, { code });
    }
    const path = parseTarget(request.url)!.path;
    if (path === '/v1/completions') {
      if (request.method !== 'POST') throw methodNotAllowed('POST');
      const plan = planCompletion(await readJsonBody(request));
      await serveCompletion(deps, plan, response, cors);
    } else if (path !== '/v1/models' && !path.startsWith('/v1/models/')) {
      throw new OpenAiError(404, `There is no ${path.slice(0, 200)} here: this server speaks /v1/completions and /v1/models.`, {
        code: 'unknown_url',
      });
    } else if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw methodNotAllowed('GET');
    } else if (path === '/v1/models') {
      sendJson(response, 200, modelList(deps.services.engine.state, Math.floor(Date.now() / 1000)), cors);
    } else {
      const id = decodeModelId(path.slice('/v1/models/'.length));
      const served = servedModel(deps.services.engine.state);
      const listed = modelList(deps.services.engine.state, Math.floor(Date.now() / 1000)).data[0];
      if (!served || !listed || served.id !== id) {
        throw new OpenAiError(404, `The model \`${id.slice(0, 256)}\` is not served here.`, { param: 'model', code: 'model_not_found' });
      }
      sendJson(response, 200, listed, cors);
    }
  } catch (error) {
    const failure = error instanceof OpenAiError ? error : new OpenAiError(500, `Internal error: ${errorMessage(error)}`);
    if (response.headersSent || response.destroyed) {
      response.destroy();
      return;
    }
    // The rest of a refused body is thrown away unread, and the connection carries no other request after it.
    const unread = !request.complete;
    if (unread) request.resume();
    sendJson(response, failure.status, failure.body, {
      ...cors,
      ...(failure.status === 429 ? { 'Retry-After': '1' } : {}),
      ...(unread ? { Connection: 'close' } : {}),
    });
  }
}

/** A browser's preflight: answered only for an allowed origin, with what that origin may send. */
function preflight(
  policy: AccessPolicy,
  facts: RequestFacts,
  request: IncomingMessage,
  response: ServerResponse,
  cors: Record<string, string>,
): void {
  const verdict = checkApiOrigin(policy, facts);
  if (!verdict.ok) throw new OpenAiError(verdict.status, `${capitalise(verdict.reason)}.`, { code: 'origin_not_allowed' });
  if (facts.origin === undefined) throw new OpenAiError(403, 'A preflight needs an Origin.', { code: 'origin_not_allowed' });
  const asked = (request.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
  const refused = asked.find((name) => !ALLOWED_HEADER.test(name));
  if (refused !== undefined)
    throw new OpenAiError(403, `The header ${refused.slice(0, 64)} is not allowed.`, { code: 'header_not_allowed' });
  response
    .writeHead(204, {
      ...cors,
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': asked.join(', ') || 'authorization, content-type',
      'Access-Control-Max-Age': '600',
    })
    .end();
}

/** CORS headers for an allowed origin; none for any other (and those requests are refused anyway). */
function corsHeaders(policy: AccessPolicy, origin: string | undefined): Record<string, string> {
  if (origin === undefined || !corsAllows(policy, origin)) return {};
  return { 'Access-Control-Allow-Origin': origin.toLowerCase(), Vary: 'Origin' };
}

/** Reads the body up to the API's limit, refuses what is not a JSON object of bounded depth. */
async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const limit = CLIENT_LIMITS.maxApiBodyBytes;
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (nestsDeeperThan(text, MAX_BODY_NESTING)) throw badRequest(`The request body is nested more than ${MAX_BODY_NESTING} levels deep.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

function tooLarge(limit: number): OpenAiError {
  return new OpenAiError(413, `The request body is larger than ${limit} bytes.`, { code: 'request_too_large' });
}

function methodNotAllowed(allowed: string): OpenAiError {
  return new OpenAiError(405, `Use ${allowed} here.`, { code: 'method_not_allowed' });
}

function decodeModelId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function sendJson(response: ServerResponse, status: number, body: object, headers: Record<string, string>): void {
  const json = JSON.stringify(body);
  response
    .writeHead(status, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(json),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    .end(json);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
