import { errorMessage } from '../common/error-message.js';

/**
 * Store failures carry a code the UI can branch on and a sentence it can show as is. Every message names the
 * model or file and says what to do, because "download failed" helps nobody.
 */
export type StoreErrorCode =
  | 'not-found'
  | 'unauthorized'
  | 'hash-mismatch'
  | 'disk-full'
  | 'network'
  | 'http'
  | 'paused'
  | 'cancelled'
  | 'upstream-changed'
  /** Files differ from what this machine first downloaded for the same commit; the writer may confirm them. */
  | 'files-changed'
  | 'unverifiable'
  | 'invalid-model'
  | 'unknown-model'
  | 'busy'
  | 'closed';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** A failure worth another try after a pause: 5xx, 429, a reset or stalled connection. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Plain data for the API and the UI (errors do not survive structured clone with their fields). */
export interface StoreErrorInfo {
  readonly code: StoreErrorCode;
  readonly message: string;
  readonly file: string | null;
}

export function toErrorInfo(err: unknown): StoreErrorInfo {
  if (err instanceof StoreError) return { code: err.code, message: err.message, file: err.file ?? null };
  return { code: 'network', message: errorMessage(err), file: null };
}
