import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Block, Chapter, Run } from './document.js';
import type { ResolvedOptions } from './options.js';
import { cjkScript, docxEastAsiaLanguage, docxFonts, exportWords, type CjkScript } from './typography.js';

const headingLevels = [
  HeadingLevel.HEADING_1,
  HeadingLevel.HEADING_2,
  HeadingLevel.HEADING_3,
  HeadingLevel.HEADING_4,
  HeadingLevel.HEADING_5,
  HeadingLevel.HEADING_6,
] as const;

/**
 * Word picks a face per character class (Latin, East Asian), on every run, so that a run copied into another
 * document keeps its faces; fonts not on the reader's machine fall back there. In a CJK book the eastAsia hint also
 * gives “” ‘’ … their full-width East Asian forms, and emphasis is dots under the characters, as Chinese is set.
 */
function textRuns(runs: readonly Run[], firstBreak: boolean, script: CjkScript | null): TextRun[] {
  const font = docxFonts(script);
  return runs.map(
    (r, i) =>
      new TextRun({
        text: r.text,
        font,
        bold: r.bold,
        ...(script && r.italic ? { emphasisMark: { type: 'dot' as const } } : { italics: r.italic }),
        ...(r.model ? { highlight: 'yellow' as const } : {}),
        ...(firstBreak && i === 0 ? { break: 1 } : {}),
      }),
  );
}

function blockParagraphs(b: Block, pageBreakBefore: boolean, script: CjkScript | null): Paragraph {
  switch (b.type) {
    case 'heading':
      return new Paragraph({
        heading: headingLevels[b.level - 1] ?? HeadingLevel.HEADING_6,
        pageBreakBefore,
        children: textRuns(b.runs, false, script),
      });
    case 'scene-break':
      return new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 240, after: 240 }, children: [new TextRun('*   *   *')] });
    case 'paragraph': {
      // Line breaks inside a paragraph become <w:br/> before the first run of each following line.
      const children = b.lines.flatMap((line, i) =>
        line.length === 0 && i > 0 ? [new TextRun({ text: '', break: 1 })] : textRuns(line, i > 0, script),
      );
      // Chinese and Japanese paragraphs start two characters in, whatever the size of the type.
      const indent = script === 'zh-Hans' || script === 'zh-Hant' || script === 'ja' ? { firstLineChars: 200 } : { firstLine: 360 };
      return new Paragraph({ pageBreakBefore, indent, alignment: AlignmentType.JUSTIFIED, children });
    }
  }
}

export async function exportDocx(chapters: readonly Chapter[], o: ResolvedOptions): Promise<Uint8Array> {
  const script = cjkScript(o.language);
  const font = docxFonts(script);
  const children: Paragraph[] = [];
  if (o.titlePage) {
    children.push(
      new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun({ text: o.title, font })] }),
    );
    if (o.author)
      children.push(
        new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: o.author, font, italics: script === null })] }),
      );
    if (o.modelSpans === 'mark') {
      children.push(
        new Paragraph({
          alignment: AlignmentType.CENTER,
          children: [new TextRun({ text: exportWords(script).legend, font, size: 18 })],
        }),
      );
    }
  }
  chapters.forEach((c, ci) => {
    c.blocks.forEach((b, bi) => {
      const newPage = o.chapterBreaks && bi === 0 && (ci > 0 || o.titlePage);
      children.push(blockParagraphs(b, newPage, script));
    });
  });
  const doc = new Document({
    creator: o.author ?? 'Kaituhi',
    title: o.title,
    styles: {
      default: { document: { run: { font, size: 24, language: { value: o.language, eastAsia: docxEastAsiaLanguage(script) } } } },
    },
    sections: [{ children }],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
