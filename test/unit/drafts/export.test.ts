import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportDraft,
  exportHtmlString,
  type ExportFormat,
  type ExportOptions,
  type ExportSource,
  type PrintHtmlToPdf,
} from '../../../electron/drafts/export/index.js';
import { buildDocument } from '../../../electron/drafts/export/document.js';
import { tempDir } from './helpers.js';

const run = promisify(execFile);

const writerPart1 = '# The Harbour\n\nThe boats came in at dusk. She counted them, *one by one*, from the wall.\n\n';
const modelPart = 'A gull screamed over the water.';
const writerPart2 =
  ' Her brother was not on any of them.\n\n* * *\n\n# 第二章\n\n她走进了房间，灯还亮着。**Nobody** answered. 🌊🙂\nA second line of the same paragraph.\n';
const source: ExportSource = {
  title: 'The Harbour & Other Stories',
  text: writerPart1 + modelPart + writerPart2,
  modelSpans: [{ start: writerPart1.length, end: writerPart1.length + modelPart.length }],
};
const opts: ExportOptions = { author: 'Mere Tūhoe', modified: new Date('2025-01-15T12:00:00Z') };

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir('kaituhi-export-')));
afterAll(() => cleanup());

async function text(format: ExportFormat, o: ExportOptions = {}): Promise<string> {
  return Buffer.from((await exportDraft(format, source, { ...opts, ...o })).bytes).toString('utf8');
}

describe('document model', () => {
  it('splits chapters at # headings, keeps emphasis, scene breaks and line breaks', () => {
    const chapters = buildDocument(source.text, source.modelSpans, 'mark', true);
    expect(chapters.map((c) => c.title)).toEqual(['The Harbour', '第二章']);
    const p = chapters[0]!.blocks[1];
    expect(p?.type === 'paragraph' && p.lines[0]!.filter((r) => r.italic).map((r) => r.text)).toEqual(['one by one']);
    expect(chapters[0]!.blocks.map((b) => b.type)).toEqual(['heading', 'paragraph', 'paragraph', 'scene-break']);
    const marked = chapters[0]!.blocks[2];
    expect(marked?.type === 'paragraph' && marked.lines[0]!.filter((r) => r.model).map((r) => r.text)).toEqual([modelPart]);
    const last = chapters[1]!.blocks[1];
    expect(last?.type === 'paragraph' && last.lines.length).toBe(2);
    expect(buildDocument(source.text, [], 'keep', false).map((c) => c.title)).toEqual([null]);
  });
});

describe('.txt and .md', () => {
  it('keep / mark / strip each show their effect', async () => {
    expect(await text('txt')).toBe(source.text);
    expect(await text('txt', { modelSpans: 'mark' })).toContain(`[[${modelPart}]] Her brother`);
    const stripped = await text('txt', { modelSpans: 'strip' });
    expect(stripped).not.toContain('gull');
    expect(stripped).toContain('from the wall.\n\n Her brother was not');
    expect(await text('md', { modelSpans: 'mark' })).toContain(`==${modelPart}==`);
    const md = await text('md', { titlePage: true });
    expect(md.startsWith('---\ntitle: "The Harbour & Other Stories"\nauthor: "Mere Tūhoe"\nlang: en\n---\n\n# The Harbour')).toBe(true);
  });
  it('marks multi-line spans line by line without breaking headings', async () => {
    const src: ExportSource = { title: 't', text: 'Intro.\n\n# Heading\n\nBody.', modelSpans: [{ start: 8, end: 25 }] };
    const out = Buffer.from((await exportDraft('md', src, { modelSpans: 'mark' })).bytes).toString('utf8');
    expect(out).toBe('Intro.\n\n# ==Heading==\n\n==Body.==');
  });
});

describe('.html', () => {
  it('is a standalone UTF-8 page with the title, author, CJK/emoji font fallbacks, and the span mode applied', async () => {
    const keep = await text('html');
    expect(keep).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(keep).toContain('<meta charset="utf-8" />');
    expect(keep).toContain('<title>The Harbour &amp; Other Stories</title>');
    expect(keep).toContain('<p class="author">Mere Tūhoe</p>');
    expect(keep).toMatch(/font-family: [^;]*"Noto Serif CJK SC"[^;]*"Noto Color Emoji"/);
    expect(keep).not.toMatch(/<link|@import|url\(/);
    expect(keep).toContain('<em>one by one</em>');
    expect(keep).toContain(`${modelPart} Her brother`);
    expect(keep).not.toContain('<mark');
    expect(await text('html', { modelSpans: 'mark' })).toContain(`<mark class="model">${modelPart}</mark>`);
    expect(await text('html', { modelSpans: 'strip' })).not.toContain('gull');
  });
});

describe('.docx', () => {
  async function documentXml(o: ExportOptions = {}): Promise<string> {
    const { bytes, mimeType } = await exportDraft('docx', source, { ...opts, ...o });
    expect(mimeType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    return await (await JSZip.loadAsync(bytes)).file('word/document.xml')!.async('string');
  }
  const paragraphsOf = (xml: string): string[] =>
    [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((p) =>
      [...p[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>|<w:br\/>/g)].map((t) => t[1] ?? '\n').join(''),
    );

  it('parses back to the same text, paragraph by paragraph', async () => {
    const paras = paragraphsOf(await documentXml());
    expect(paras).toEqual([
      'The Harbour &amp; Other Stories',
      'Mere Tūhoe',
      'The Harbour',
      'The boats came in at dusk. She counted them, one by one, from the wall.',
      `${modelPart} Her brother was not on any of them.`,
      '*   *   *',
      '第二章',
      '她走进了房间，灯还亮着。Nobody answered. 🌊🙂\nA second line of the same paragraph.',
    ]);
  });
  it('keep / mark / strip each show their effect', async () => {
    const keep = await documentXml();
    expect(keep).not.toContain('w:highlight');
    const mark = await documentXml({ modelSpans: 'mark' });
    expect(mark).toMatch(new RegExp(`<w:highlight w:val="yellow"/>[\\s\\S]{0,200}?<w:t[^>]*>${modelPart}</w:t>`));
    const strip = await documentXml({ modelSpans: 'strip' });
    expect(strip).not.toContain('gull');
    expect(strip).toContain('Her brother was not on any of them.');
  });
});

describe('.epub', () => {
  it('is a valid EPUB 3 (epubcheck), mimetype first and stored', async () => {
    for (const modelSpans of ['keep', 'mark', 'strip'] as const) {
      const { bytes } = await exportDraft('epub', source, { ...opts, modelSpans });
      // Local file header: name at offset 30; compression method 0 (stored) at offset 8.
      const head = Buffer.from(bytes.subarray(0, 38));
      expect(head.subarray(30, 38).toString('latin1')).toBe('mimetype');
      expect(head.readUInt16LE(8)).toBe(0);
      // The JVM start dominates on this machine, so epubcheck sees the richest variant (marks); keep and strip differ only in text.
      if (modelSpans === 'mark') {
        const file = join(dir, `book-${modelSpans}.epub`);
        await writeFile(file, bytes);
        const { stdout, stderr } = await run(
          'java',
          ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', '/usr/share/java/epubcheck.jar', file],
          { timeout: 120_000 },
        ).catch((e: { stdout: string; stderr: string }) => e);
        expect(`${stdout}\n${stderr}`).toMatch(/No errors or warnings detected/);
      }
      const zip = await JSZip.loadAsync(bytes);
      const chapters = await Promise.all(
        Object.keys(zip.files)
          .filter((n) => /chapter-\d+\.xhtml$/.test(n))
          .sort()
          .map((n) => zip.file(n)!.async('string')),
      );
      expect(chapters.length).toBe(2);
      const all = chapters.join('\n');
      expect(all).toContain('她走进了房间');
      if (modelSpans === 'mark') expect(all).toContain(`<mark class="model">${modelPart}</mark>`);
      if (modelSpans === 'strip') expect(all).not.toContain('gull');
      if (modelSpans === 'keep') expect(all).toContain(`${modelPart} Her brother`);
    }
  }, 240_000);
});

describe('.pdf through Chromium', () => {
  let context: BrowserContext;
  let print: PrintHtmlToPdf;
  beforeAll(async () => {
    const userDataDir = await mkdtemp(join(dir, 'chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // The same contract as Electron's printToPDF: HTML in, PDF bytes out.
    print = async (html) => {
      const page = await context.newPage();
      try {
        await page.setContent(html, { waitUntil: 'load' });
        return new Uint8Array(await page.pdf({ printBackground: true, preferCSSPageSize: true }));
      } finally {
        await page.close();
      }
    };
  }, 120_000);
  afterAll(async () => context?.close());

  async function pdfText(o: ExportOptions): Promise<{ text: string; fonts: string; pages: number }> {
    const { bytes, mimeType } = await exportDraft('pdf', source, { ...opts, ...o }, { printHtmlToPdf: print });
    expect(mimeType).toBe('application/pdf');
    const file = join(dir, `out-${o.modelSpans ?? 'keep'}.pdf`);
    await writeFile(file, bytes);
    const { stdout: text } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    const { stdout: fonts } = await run('pdffonts', [file]);
    const { stdout: info } = await run('pdfinfo', [file]);
    return { text, fonts, pages: Number(/Pages:\s+(\d+)/.exec(info)?.[1]) };
  }

  it('contains the text, Chinese and emoji included, with chapter page breaks', async () => {
    const { text, fonts, pages } = await pdfText({ modelSpans: 'mark' });
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('The boats came in at dusk');
    expect(flat).toContain(modelPart);
    expect(text).toContain('她走进了房间，灯还亮着。');
    // Chromium embeds Noto Color Emoji as Type 3 bitmap glyphs that still carry a ToUnicode map, so they extract.
    expect(text).toContain('🌊🙂');
    expect(fonts).toMatch(/Type 3/);
    // Title page, chapter one, chapter two.
    expect(pages).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('strip leaves the model text out of the PDF', async () => {
    const { text } = await pdfText({ modelSpans: 'strip' });
    expect(text).not.toContain('gull');
    expect(text.replace(/\s+/g, ' ')).toContain('Her brother was not on any of them.');
  }, 120_000);

  it('refuses bytes that are not a PDF', async () => {
    await expect(exportDraft('pdf', source, {}, { printHtmlToPdf: async () => new Uint8Array([1, 2, 3, 4, 5, 6]) })).rejects.toThrow(
      /did not return a PDF/,
    );
    expect(exportHtmlString(source)).toContain('<article>');
  });
});
