import { plainText, type Block, type Chapter, type Run } from './document.js';
import type { ResolvedOptions } from './options.js';
import { cjkCss, cjkScript, exportWords, serifStack } from './typography.js';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function stylesheet(o: ResolvedOptions): string {
  const script = cjkScript(o.language);
  return `
:root { color-scheme: light; }
body { margin: 0; background: #fdfcf9; color: #1d1b18; font-family: ${serifStack(script)}; font-size: 12pt; line-height: 1.6;
  font-kerning: normal; font-variant-ligatures: common-ligatures; text-rendering: optimizeLegibility; hyphens: auto; }
article { max-width: 34em; margin: 0 auto; padding: 3em 1.5em 5em; }
h1, h2, h3, h4, h5, h6 { font-weight: normal; line-height: 1.25; text-align: center; margin: 2.5em 0 1.2em; break-after: avoid; }
h1 { font-size: 1.6em; letter-spacing: 0.02em; }
h2 { font-size: 1.3em; } h3 { font-size: 1.1em; font-style: italic; }
p { margin: 0; text-align: justify; orphans: 2; widows: 2; }
p + p { text-indent: 1.5em; }
.title-page { text-align: center; margin: 4em 0 5em; }
.title-page .title { font-size: 2.2em; margin: 0 0 0.6em; }
.title-page .author { font-style: italic; text-align: center; text-indent: 0; }
hr.scene { border: 0; text-align: center; margin: 1.5em 0; height: 1.5em; }
hr.scene::after { content: "⁂"; }
mark.model { background: #fbe7a6; color: inherit; border-bottom: 1px dotted #a27a00; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.legend { font-size: 0.85em; text-align: center; text-indent: 0; color: #6b6356; margin-top: 2em; }
@page { size: A5; margin: 18mm 16mm 20mm; }
@media print {
  body { background: none; font-size: 11pt; }
  article { max-width: none; padding: 0; }
  ${o.chapterBreaks ? 'section.chapter + section.chapter, .title-page + section.chapter { break-before: page; }' : ''}
  .title-page { break-after: page; margin-top: 30%; }
}${cjkCss(script)}`.trim();
}

function runHtml(r: Run): string {
  let s = escapeXml(r.text);
  if (r.bold) s = `<strong>${s}</strong>`;
  if (r.italic) s = `<em>${s}</em>`;
  if (r.model) s = `<mark class="model">${s}</mark>`;
  return s;
}

export function blockHtml(b: Block): string {
  switch (b.type) {
    case 'heading':
      return `<h${b.level}>${b.runs.map(runHtml).join('')}</h${b.level}>`;
    case 'scene-break':
      return '<hr class="scene" />';
    case 'paragraph':
      // XHTML-compatible on purpose: the EPUB chapters reuse this markup.
      return `<p>${b.lines.map((l) => l.map(runHtml).join('')).join('<br />\n')}</p>`;
  }
}

export function titlePageHtml(o: ResolvedOptions): string {
  const legend = o.modelSpans === 'mark' ? `\n<p class="legend">${escapeXml(exportWords(cjkScript(o.language)).legend)}</p>` : '';
  return `<header class="title-page">\n<h1 class="title">${escapeXml(o.title)}</h1>${o.author ? `\n<p class="author">${escapeXml(o.author)}</p>` : ''}${legend}\n</header>`;
}

export function chapterHtml(c: Chapter): string {
  return `<section class="chapter">\n${c.blocks.map(blockHtml).join('\n')}\n</section>`;
}

/** A standalone page: UTF-8, inline CSS, no external resources; also what the PDF export prints. */
export function renderHtml(chapters: readonly Chapter[], o: ResolvedOptions): string {
  const author = o.author ? `\n<meta name="author" content="${escapeXml(o.author)}" />` : '';
  const front = o.titlePage ? `${titlePageHtml(o)}\n` : '';
  return `<!DOCTYPE html>
<html lang="${escapeXml(o.language)}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${escapeXml(o.title)}</title>${author}
<meta name="generator" content="Kaituhi" />
<style>
${stylesheet(o)}
</style>
</head>
<body>
<article>
${front}${chapters.map(chapterHtml).join('\n')}
</article>
</body>
</html>
`;
}

export function chapterLabel(c: Chapter, index: number, o: ResolvedOptions): string {
  if (c.title) return c.title;
  const firstHeading = c.blocks.find((b): b is Extract<Block, { type: 'heading' }> => b.type === 'heading');
  if (firstHeading) return plainText(firstHeading.runs);
  return index === 0 ? o.title : exportWords(cjkScript(o.language)).part(index + 1);
}
