/** An error in words for the writer; its own module so panels need not load Monaco to say what failed. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
