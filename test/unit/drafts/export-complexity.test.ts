/**
 * Finding 8 of issue 9: exports trimmed trailing spaces with `/[ \t]+$/`, which retries from every blank
 * of a run and cost O(n²) on a long line of spaces followed by a letter (80 KB took 10 s to export to HTML).
 * The bold pattern rescanned the line from every unclosed `**` in the same way, and runs were built a
 * character at a time. Every exporter now handles a 1 MB line in time that grows linearly with it.
 */
import { describe, expect, it } from 'vitest';
import { exportDraft, type ExportFormat, type SpanMode } from '../../../electron/drafts/export/index.js';
import { buildDocument } from '../../../electron/drafts/export/document.js';
import { expectLinearGrowth } from '../../support/complexity.js';

const lines: Record<string, (size: number) => string> = {
  'spaces inside a line': (size) => `a${' '.repeat(size)}x`,
  'tabs and spaces inside a line': (size) => `a${' \t'.repeat(size / 2)}x`,
  'spaces inside a heading': (size) => `# a${' '.repeat(size)}x`,
  'spaces before a closing #': (size) => `## a${' '.repeat(size)}#x`,
  'bold openings that never close': (size) => '**a '.repeat(size / 4),
};

function exporter(format: ExportFormat, modelSpans: SpanMode) {
  return async (text: string) => {
    const spans = modelSpans === 'keep' ? [] : [{ start: 0, end: text.length }];
    return exportDraft(format, { title: 'Long line', text, modelSpans: spans }, { modelSpans, modified: new Date(0) });
  };
}

describe('exports of long lines cost time linear in their length', () => {
  for (const [shape, make] of Object.entries(lines)) {
    for (const [format, modelSpans] of [
      ['html', 'keep'],
      ['html', 'mark'],
      ['md', 'mark'],
      ['txt', 'mark'],
    ] as const) {
      it(`${format} (${modelSpans}) of ${shape}, up to 1 MB`, async () => {
        const run = exporter(format, modelSpans);
        await expectLinearGrowth(`${format} ${modelSpans} ${shape}`, (size) => run(make(size)));
      });
    }
  }
  for (const format of ['docx', 'epub'] as const) {
    it(`${format} of spaces inside a line, up to 1 MB`, async () => {
      const run = exporter(format, 'keep');
      await expectLinearGrowth(`${format} spaces inside a line`, (size) => run(lines['spaces inside a line']!(size)));
    });
  }
});

describe('trimming keeps what it kept before', () => {
  it('drops trailing blanks of lines and headings, and a closing # sequence, nothing else', () => {
    const [chapter] = buildDocument('# Title  ##  \nSome text \t\n#  ##\n# ###\n## a ## ##\n###### b#', [], 'keep', false);
    const headings = chapter!.blocks.filter((block) => block.type === 'heading');
    const texts = headings.map((block) => block.runs.map((run) => run.text).join(''));
    expect(texts).toEqual(['Title', '##', '###', 'a ##', 'b#']);
    const paragraph = chapter!.blocks.find((block) => block.type === 'paragraph');
    expect(paragraph).toMatchObject({ lines: [[{ text: 'Some text' }]] });
  });

  it('marks a model span without its trailing blanks, and keeps the blanks after the marker', async () => {
    const text = `Model wrote this ${' '.repeat(5)}\nand this`;
    const md = Buffer.from((await exporter('md', 'mark')(text)).bytes).toString('utf8');
    expect(md).toBe(`==Model wrote this==${' '.repeat(6)}\n==and this==`);
  });
});
