import { OUTSIDE_FOLDER } from '../disk/atomic-write.js';
import { errnoCode } from '../disk/errno.js';
import { errorMessage } from '../common/error-message.js';

/**
 * Every drafts failure reaches the writer as one of these: a code the UI can branch on and a sentence it
 * can show verbatim. The text is never lost because of one: callers keep it in memory and in the journal.
 */
export type DraftErrorCode =
  | 'disk-full'
  | 'read-only'
  | 'permission-denied'
  | 'folder-missing'
  | 'not-found'
  | 'conflict'
  | 'invalid-id'
  | 'invalid-input'
  | 'too-many-open-files'
  | 'outside-library'
  | 'io';

export class DraftError extends Error {
  override readonly name = 'DraftError';
  constructor(
    readonly code: DraftErrorCode,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Turns a Node fs error into words a writer understands. `action` reads like "save “Chapter one”".
 * ENOENT is reported as a missing folder because every path we touch lives in a folder the user can delete.
 */
export function toDraftError(err: unknown, action: string, path?: string): DraftError {
  if (err instanceof DraftError) return err;
  const code = errnoCode(err);
  const where = path ? ` (${path})` : '';
  const keep = 'Your text is safe in Kaituhi and in its recovery journal.';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new DraftError(
        'disk-full',
        `Could not ${action}: the disk is full${where}. Free some space and Kaituhi will try again. ${keep}`,
        path,
        { cause: err },
      );
    case 'EREADONLYFILE':
      return new DraftError(
        'read-only',
        `Could not ${action}: the file is marked read-only${where}. Make it writable and Kaituhi will try again. ${keep}`,
        path,
        { cause: err },
      );
    case 'EROFS':
      return new DraftError('read-only', `Could not ${action}: the disk is read-only${where}. ${keep}`, path, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new DraftError(
        'permission-denied',
        `Could not ${action}: permission denied${where}. Check the file and folder permissions. ${keep}`,
        path,
        { cause: err },
      );
    case 'ENOENT':
    case 'ENOTDIR':
      return new DraftError(
        'folder-missing',
        `Could not ${action}: its folder no longer exists${where}. It may have been moved or deleted. ${keep}`,
        path,
        { cause: err },
      );
    case OUTSIDE_FOLDER:
      return new DraftError(
        'outside-library',
        `Could not ${action}: a file in the draft's folder is a link to a place outside the library${where}, and Kaituhi writes only inside the library. Replace the link with the file itself. ${keep}`,
        path,
        { cause: err },
      );
    case 'EMFILE':
    case 'ENFILE':
      return new DraftError('too-many-open-files', `Could not ${action}: too many files are open. ${keep}`, path, { cause: err });
    default: {
      return new DraftError('io', `Could not ${action}: ${errorMessage(err)}. ${keep}`, path, { cause: err });
    }
  }
}
