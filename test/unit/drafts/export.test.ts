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

/** A Chinese draft in the spirit of 红楼梦: Simplified script, full-width punctuation, a quoted line, emphasis. */
const chineseSource: ExportSource = {
  title: '石头记续',
  text:
    '# 第一回\n\n满纸荒唐言，一把辛酸泪。都云作者痴，谁解其中味？\n\n' +
    '黛玉听了，冷笑道：“我就知道，别人不挑剩下的也不给我。”宝玉听了，*并不*答言。\n\n' +
    '# 第二回\n\n且说那日宝玉来到潇湘馆……\n',
  modelSpans: [],
};
const chineseParagraphs = [
  '满纸荒唐言，一把辛酸泪。都云作者痴，谁解其中味？',
  '黛玉听了，冷笑道：“我就知道，别人不挑剩下的也不给我。”宝玉听了，并不答言。',
  '且说那日宝玉来到潇湘馆……',
];
const chineseOpts: ExportOptions = { author: '曹雪芹', modified: new Date('2025-01-15T12:00:00Z'), modelSpans: 'mark' };

describe('a Chinese draft', () => {
  async function chineseBytes(format: ExportFormat, o: ExportOptions = {}): Promise<Uint8Array> {
    return (await exportDraft(format, chineseSource, { ...chineseOpts, ...o })).bytes;
  }

  it('.html: lang="zh-Hans", a CJK face first, paragraphs two characters in, emphasis as dots, the text as written', async () => {
    const html = Buffer.from(await chineseBytes('html')).toString('utf8');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="zh-Hans">/);
    expect(html).toMatch(/body \{[^}]*font-family: "Noto Serif CJK SC", "Source Han Serif SC"/);
    expect(html).toMatch(/p, p \+ p \{ text-indent: 2em; \}/);
    expect(html).toMatch(/em \{ font-style: normal; text-emphasis: filled circle;/);
    expect(html).toContain('<p>满纸荒唐言，一把辛酸泪。都云作者痴，谁解其中味？</p>');
    expect(html).toContain('<p>黛玉听了，冷笑道：“我就知道，别人不挑剩下的也不给我。”宝玉听了，<em>并不</em>答言。</p>');
    expect(html).toContain('<p class="legend">高亮的段落由语言模型写成。</p>');
    // No space is put between two CJK characters anywhere in the markup.
    expect(html).not.toMatch(/[\u4e00-\u9fff，。：“”] +[\u4e00-\u9fff，。：“”]/u);
  });

  it('tells Traditional from Simplified, and keeps an explicit language', async () => {
    const traditional: ExportSource = { title: '紅樓夢', text: '這是說不盡的故事。他們來了，還說了什麼話？', modelSpans: [] };
    const html = exportHtmlString(traditional);
    expect(html).toMatch(/<html lang="zh-Hant">/);
    expect(html).toMatch(/font-family: "Noto Serif CJK TC"/);
    expect(exportHtmlString(chineseSource, { language: 'zh-CN' })).toMatch(/<html lang="zh-CN">[\s\S]*font-family: "Noto Serif CJK SC"/);
    // An English book keeps its Latin faces first.
    expect(exportHtmlString(source)).toMatch(/font-family: "Iowan Old Style"/);
  });

  it('.docx: East Asian fonts and the eastAsia hint on every run, zh-CN proofing, two-character indents; parses back to the text', async () => {
    const zip = await JSZip.loadAsync(await chineseBytes('docx'));
    const xml = await zip.file('word/document.xml')!.async('string');
    const runs = [...xml.matchAll(/<w:r>([\s\S]*?)<\/w:r>/g)].map((m) => m[1]!);
    const textRuns = runs.filter((r) => r.includes('<w:t'));
    expect(textRuns.length).toBeGreaterThan(5);
    for (const run of textRuns)
      expect(run).toMatch(
        /<w:rFonts w:ascii="Georgia" w:cs="Georgia" w:eastAsia="Noto Serif CJK SC" w:hAnsi="Georgia" w:hint="eastAsia"\/>/,
      );
    // Emphasis in Chinese is a dot under each character, not italics.
    expect(xml).toMatch(/<w:em w:val="dot"\/>[\s\S]{0,80}<w:t[^>]*>并不<\/w:t>/);
    expect(xml).not.toMatch(/<w:i\/>/);
    expect(xml.match(/w:firstLineChars="200"/g)?.length).toBe(chineseParagraphs.length);
    const styles = await zip.file('word/styles.xml')!.async('string');
    expect(styles).toMatch(/<w:lang w:val="zh-Hans" w:eastAsia="zh-CN"\/>/);
    const paragraphs = [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>/g)].map((p) =>
      [...p[0].matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]).join(''),
    );
    expect(paragraphs).toEqual([
      '石头记续',
      '曹雪芹',
      '高亮的段落由语言模型写成。',
      '第一回',
      ...chineseParagraphs.slice(0, 2),
      '第二回',
      chineseParagraphs[2],
    ]);
  });

  it('.epub: valid (epubcheck), zh-Hans in the package and every page, a Chinese table of contents', async () => {
    const bytes = await chineseBytes('epub');
    const file = join(dir, 'chinese.epub');
    await writeFile(file, bytes);
    const { stdout, stderr } = await run(
      'java',
      ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', '/usr/share/java/epubcheck.jar', file],
      {
        timeout: 120_000,
      },
    ).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${stdout}\n${stderr}`).toMatch(/No errors or warnings detected/);
    const zip = await JSZip.loadAsync(bytes);
    const opf = await zip.file('OEBPS/package.opf')!.async('string');
    expect(opf).toContain('<dc:language>zh-Hans</dc:language>');
    expect(opf).toContain('xml:lang="zh-Hans"');
    const pages = Object.keys(zip.files).filter((n) => n.endsWith('.xhtml'));
    for (const page of pages) expect(await zip.file(page)!.async('string'), page).toContain('xml:lang="zh-Hans" lang="zh-Hans"');
    expect(await zip.file('OEBPS/nav.xhtml')!.async('string')).toContain('<h1>目录</h1>');
    const css = await zip.file('OEBPS/style.css')!.async('string');
    expect(css).toMatch(/font-family: "Noto Serif CJK SC"/);
    const chapter = await zip.file('OEBPS/chapter-001.xhtml')!.async('string');
    expect(chapter).toContain(chineseParagraphs[0]);
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

  it('a Chinese draft: the text comes back without spaces between characters, set in Noto Serif CJK', async () => {
    const { bytes } = await exportDraft('pdf', chineseSource, chineseOpts, { printHtmlToPdf: print });
    const file = join(dir, 'chinese.pdf');
    await writeFile(file, bytes);
    const { stdout: text } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    // Lines wrap where the page ends; within them nothing was added.
    const joined = text.replace(/\n/g, '');
    for (const paragraph of chineseParagraphs) expect(joined).toContain(paragraph);
    expect(text).not.toMatch(/[\u4e00-\u9fff] [\u4e00-\u9fff]/u);
    expect(text).toContain('曹雪芹');
    // Chromium's PDF keeps the CJK glyphs as Type 3 fonts without a face name; ask the same Chromium which face it
    // set the paragraphs in (the PDF is a print of this very page).
    const page = await context.newPage();
    try {
      await page.setContent(exportHtmlString(chineseSource, chineseOpts), { waitUntil: 'load' });
      const cdp = await page.context().newCDPSession(page);
      const { root } = await cdp.send('DOM.getDocument');
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'section.chapter p' });
      await cdp.send('CSS.enable');
      const { fonts: used } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      expect(used.map((f) => f.familyName)).toEqual(['Noto Serif CJK SC']);
    } finally {
      await page.close();
    }
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
