import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import type { Chapter } from './document.js';
import { chapterHtml, chapterLabel, escapeXml, stylesheet, titlePageHtml } from './html.js';
import type { ResolvedOptions } from './options.js';
import { cjkScript, exportWords } from './typography.js';

function xhtml(title: string, lang: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${escapeXml(lang)}" lang="${escapeXml(lang)}">
<head>
<meta charset="utf-8" />
<title>${escapeXml(title)}</title>
<link rel="stylesheet" type="text/css" href="style.css" />
</head>
<body>
${body}
</body>
</html>
`;
}

/** A stable urn:uuid from the content, so exporting the same draft twice gives the same book identity. */
function contentUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/**
 * EPUB 3: `mimetype` first and stored (readers sniff the first bytes), then container.xml,
 * package.opf, nav.xhtml and one XHTML file per chapter.
 */
export async function exportEpub(chapters: readonly Chapter[], o: ResolvedOptions, seed: string): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file(
    'META-INF/container.xml',
    `<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/package.opf" media-type="application/oebps-package+xml" />
  </rootfiles>
</container>
`,
  );
  const files: { id: string; href: string; label: string }[] = [];
  if (o.titlePage) {
    files.push({ id: 'title-page', href: 'title.xhtml', label: o.title });
    zip.file('OEBPS/title.xhtml', xhtml(o.title, o.language, titlePageHtml(o)));
  }
  chapters.forEach((c, i) => {
    const n = String(i + 1).padStart(3, '0');
    const label = chapterLabel(c, i, o);
    files.push({ id: `chapter-${n}`, href: `chapter-${n}.xhtml`, label });
    zip.file(`OEBPS/chapter-${n}.xhtml`, xhtml(label, o.language, chapterHtml(c)));
  });
  zip.file('OEBPS/style.css', `${stylesheet({ ...o, chapterBreaks: false })}\n`);
  const nav = `<nav epub:type="toc" id="toc">
<h1>${escapeXml(exportWords(cjkScript(o.language)).contents)}</h1>
<ol>
${files.map((f) => `<li><a href="${f.href}">${escapeXml(f.label)}</a></li>`).join('\n')}
</ol>
</nav>`;
  zip.file('OEBPS/nav.xhtml', xhtml(o.title, o.language, nav));
  const identifier = o.identifier ?? `urn:uuid:${contentUuid(seed)}`;
  // EPUB wants whole seconds in dcterms:modified.
  const modified = o.modified.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const opf = `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="${escapeXml(o.language)}">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="book-id">${escapeXml(identifier)}</dc:identifier>
    <dc:title>${escapeXml(o.title)}</dc:title>
    <dc:language>${escapeXml(o.language)}</dc:language>${o.author ? `\n    <dc:creator>${escapeXml(o.author)}</dc:creator>` : ''}
    <meta property="dcterms:modified">${modified}</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav" />
    <item id="css" href="style.css" media-type="text/css" />
${files.map((f) => `    <item id="${f.id}" href="${f.href}" media-type="application/xhtml+xml" />`).join('\n')}
  </manifest>
  <spine>
${files.map((f) => `    <itemref idref="${f.id}" />`).join('\n')}
  </spine>
</package>
`;
  zip.file('OEBPS/package.opf', opf);
  return zip.generateAsync({
    type: 'uint8array',
    compression: 'DEFLATE',
    compressionOptions: { level: 9 },
    mimeType: 'application/epub+zip',
  });
}
