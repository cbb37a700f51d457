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

/** Thrown out of a generation when its AbortSignal fires; not a failure of the engine. */
export class GenerationAbortedError extends Error {
  override readonly name = 'GenerationAbortedError';
  constructor() {
    super('generation cancelled');
  }
}
