/**
 * Errors in the shape OpenAI's API gives them, `{ error: { message, type, param, code } }`, which every
 * OpenAI-compatible client knows how to show. Clients decide by the status; the words are for the writer.
 */

export type OpenAiErrorType = 'invalid_request_error' | 'rate_limit_error' | 'server_error';

export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: OpenAiErrorType;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export class OpenAiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 421 | 429 | 500 | 503,
    message: string,
    readonly details: { type?: OpenAiErrorType; param?: string | null; code?: string | null } = {},
  ) {
    super(message);
  }

  get body(): OpenAiErrorBody {
    const type = this.details.type ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error');
    return { error: { message: this.message, type, param: this.details.param ?? null, code: this.details.code ?? null } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null): OpenAiError =>
  new OpenAiError(400, message, { param, code });
