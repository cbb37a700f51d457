import { errorMessage } from '../common/error-message.js';
import { isErrno } from '../disk/errno.js';

/**
 * Store failures carry a code and a sentence. The code is what the interface words in the writer's language (and
 * branches on); the sentence, in English, names the model or file and says what to do, because "download failed"
 * helps nobody: the CLI prints it, and the interface shows it as the detail. Every code has its sentence in the
 * interface's string tables (`models.errors.<code>`); the compiler refuses a code without one.
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
  | 'closed'
  /** Not the store's own refusal: a file-system or program error it did not expect. */
  | 'unexpected';

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

/**
 * The transfers turn the network's failures into StoreErrors once their retries run out, so an error that is
 * neither is not the network's: calling it so would send the writer to check a connection that is fine.
 */
export function toErrorInfo(err: unknown): StoreErrorInfo {
  if (err instanceof StoreError) return { code: err.code, message: err.message, file: err.file ?? null };
  const code = err instanceof TransientError ? 'network' : isErrno(err, 'ENOSPC') ? 'disk-full' : 'unexpected';
  return { code, message: errorMessage(err), file: null };
}
