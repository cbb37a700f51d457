/** The words of a caught error, whatever was thrown: what the UI and the logs show. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
