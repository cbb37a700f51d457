import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Block, Chapter, Run } from './document.js';
import type { ResolvedOptions } from './options.js';

const headingLevels = [
  HeadingLevel.HEADING_1,
  HeadingLevel.HEADING_2,
  HeadingLevel.HEADING_3,
  HeadingLevel.HEADING_4,
  HeadingLevel.HEADING_5,
  HeadingLevel.HEADING_6,
] as const;

// Word picks a face per character class: Latin text, East Asian text. Fonts not on the reader's machine fall back there.
const fonts = { ascii: 'Georgia', hAnsi: 'Georgia', eastAsia: 'Noto Serif CJK SC', cs: 'Georgia' };

function textRuns(runs: readonly Run[], firstBreak: boolean): TextRun[] {
  return runs.map(
    (r, i) =>
      new TextRun({
        text: r.text,
        bold: r.bold,
        italics: r.italic,
        ...(r.model ? { highlight: 'yellow' as const } : {}),
        ...(firstBreak && i === 0 ? { break: 1 } : {}),
      }),
  );
}

function blockParagraphs(b: Block, pageBreakBefore: boolean): Paragraph {
  switch (b.type) {
    case 'heading':
      return new Paragraph({
        heading: headingLevels[b.level - 1] ?? HeadingLevel.HEADING_6,
        pageBreakBefore,
        children: textRuns(b.runs, false),
      });
    case 'scene-break':
      return new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 240, after: 240 }, children: [new TextRun('*   *   *')] });
    case 'paragraph': {
      // Line breaks inside a paragraph become <w:br/> before the first run of each following line.
      const children = b.lines.flatMap((line, i) =>
        line.length === 0 && i > 0 ? [new TextRun({ text: '', break: 1 })] : textRuns(line, i > 0),
      );
      return new Paragraph({ pageBreakBefore, indent: { firstLine: 360 }, alignment: AlignmentType.JUSTIFIED, children });
    }
  }
}

export async function exportDocx(chapters: readonly Chapter[], o: ResolvedOptions): Promise<Uint8Array> {
  const children: Paragraph[] = [];
  if (o.titlePage) {
    children.push(new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(o.title)] }));
    if (o.author)
      children.push(new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: o.author, italics: true })] }));
    if (o.modelSpans === 'mark') {
      children.push(
        new Paragraph({
          alignment: AlignmentType.CENTER,
          children: [new TextRun({ text: 'Highlighted passages were written by the language model.', size: 18 })],
        }),
      );
    }
  }
  chapters.forEach((c, ci) => {
    c.blocks.forEach((b, bi) => {
      const newPage = o.chapterBreaks && bi === 0 && (ci > 0 || o.titlePage);
      children.push(blockParagraphs(b, newPage));
    });
  });
  const eastAsia = /^(zh|ja|ko)\b/.test(o.language) ? o.language : 'zh-CN';
  const doc = new Document({
    creator: o.author ?? 'Kaituhi',
    title: o.title,
    styles: { default: { document: { run: { font: fonts, size: 24, language: { value: o.language, eastAsia } } } } },
    sections: [{ children }],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
