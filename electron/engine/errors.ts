import { open, type FileHandle } from 'node:fs/promises';

/**
 * Errors the user can act on. Every model problem names the file and says what is wrong with it,
 * so the UI can show it verbatim and the engine host can carry on serving other requests.
 */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(`${file}: ${problem}${hint ? ` (${hint})` : ''}`);
  }
}

/** Thrown out of a generation or a scoring when its AbortSignal fires; not a failure of the engine. */
export class GenerationAbortedError extends Error {
  override readonly name = 'GenerationAbortedError';
  constructor(what: 'generation' | 'scoring' = 'generation') {
    super(`${what} cancelled`);
  }
}

/** Opens a file of a model folder for reading; a file that cannot be opened is a ModelLoadError naming it. */
export async function openModelFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (error) {
    throw new ModelLoadError(file, `cannot open: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
