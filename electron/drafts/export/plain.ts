import { normalizeSpans, type ModelSpan } from '../metadata.js';
import type { ResolvedOptions } from './options.js';
import { stripSpans } from './strip.js';
import { TRAILING_BLANKS } from './blanks.js';

/**
 * Wraps each model-written span in markers, line by line (a marker pair may not cross a paragraph),
 * with surrounding spaces and a leading heading marker left outside so the Markdown still parses.
 */
function markSpans(text: string, spans: readonly ModelSpan[], open: string, close: string): string {
  let out = '';
  let at = 0;
  for (const s of normalizeSpans(spans, text.length)) {
    out += text.slice(at, s.start);
    const pieces = text.slice(s.start, s.end).split('\n');
    out += pieces
      .map((piece, i) => {
        const atLineStart = i > 0 || s.start === 0 || text[s.start - 1] === '\n';
        const lead = /^(?:#{1,6}[ \t]+)?[ \t]*/.exec(piece)?.[0] ?? '';
        const heading = atLineStart ? lead : (/^[ \t]*/.exec(piece)?.[0] ?? '');
        const body = piece.slice(heading.length);
        const trail = TRAILING_BLANKS.exec(body)?.[0] ?? '';
        const core = body.slice(0, body.length - trail.length);
        return core ? `${heading}${open}${core}${close}${trail}` : piece;
      })
      .join('\n');
    at = s.end;
  }
  return out + text.slice(at);
}

function body(text: string, spans: readonly ModelSpan[], o: ResolvedOptions, open: string, close: string): string {
  const clean = text.replace(/\r\n?/g, '\n');
  if (o.modelSpans === 'strip') return stripSpans(clean, spans);
  if (o.modelSpans === 'mark') return markSpans(clean, spans, open, close);
  return clean;
}

/** Plain text: the writer's text as is. Marked spans read [[like this]]. */
export function exportTxt(text: string, spans: readonly ModelSpan[], o: ResolvedOptions): Uint8Array {
  const head = o.titlePage ? `${o.title}\n${o.author ? `by ${o.author}\n` : ''}\n` : '';
  return Buffer.from(head + body(text, spans, o, '[[', ']]'), 'utf8');
}

/** Markdown: the draft is Markdown already. Marked spans use ==highlight== (Obsidian, Typora, markdown-it-mark); the title goes in front matter. */
export function exportMd(text: string, spans: readonly ModelSpan[], o: ResolvedOptions): Uint8Array {
  const yaml = (s: string): string => JSON.stringify(s);
  const head = o.titlePage
    ? `---\ntitle: ${yaml(o.title)}\n${o.author ? `author: ${yaml(o.author)}\n` : ''}lang: ${o.language}\n---\n\n`
    : '';
  return Buffer.from(head + body(text, spans, o, '==', '=='), 'utf8');
}
