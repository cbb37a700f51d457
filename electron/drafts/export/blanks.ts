/**
 * The spaces and tabs that end a line. The lookbehind lets the search try each run of blanks once, from
 * its first blank: plain `/[ \t]+$/` retries from every blank of a run and costs O(n²) on a long line of
 * spaces followed by a letter (an 80 KB line took 10 s to export).
 */
export const TRAILING_BLANKS = /(?<![ \t])[ \t]*$/;

export function trimTrailingBlanks(line: string): string {
  return line.replace(TRAILING_BLANKS, '');
}
