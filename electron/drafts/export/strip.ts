import { normalizeSpans, type ModelSpan } from '../metadata.js';

/**
 * Removes model-written spans. Where a removed span leaves paragraph breaks on both sides, the extra
 * blank lines go too, so a stripped paragraph does not leave a hole.
 */
export function stripSpans(text: string, spans: readonly ModelSpan[]): string {
  let out = '';
  let at = 0;
  for (const s of normalizeSpans(spans, text.length)) {
    out += text.slice(at, s.start);
    at = s.end;
    if (out.endsWith('\n')) {
      while (text[at] === '\n' && (out.endsWith('\n\n') || text[at + 1] === '\n')) at++;
    }
  }
  out += text.slice(at);
  return out;
}
