import { normalizeSpans, type ModelSpan } from '../metadata.js';
import type { SpanMode } from './options.js';
import { stripSpans } from './strip.js';
import { trimTrailingBlanks } from './blanks.js';

/** A run of text with one look; `model` is set only when spans are being marked. */
export interface Run {
  text: string;
  bold: boolean;
  italic: boolean;
  model: boolean;
}

export type Block =
  | { type: 'heading'; level: number; runs: Run[] }
  /** One paragraph; each inner array is a line (single newlines in the draft are kept as line breaks). */
  | { type: 'paragraph'; lines: Run[][] }
  | { type: 'scene-break' };

export interface Chapter {
  /** Plain text of the `#` heading that opened it; null for text before the first heading (or when chapters are off). */
  title: string | null;
  blocks: Block[];
}

// Characters XML 1.0 forbids; a stray one from a paste would make the .docx and .epub unreadable.
// eslint-disable-next-line no-control-regex
const xmlInvalid = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Which characters the model wrote, as a lookup over the text's offsets. */
function modelMask(length: number, spans: readonly ModelSpan[]): Uint8Array {
  const mask = new Uint8Array(length);
  for (const s of normalizeSpans(spans, length)) mask.fill(1, s.start, s.end);
  return mask;
}

const isBlank = (c: string | undefined): boolean => c === undefined || /\s/.test(c);

/**
 * Where `**bold**` runs are, as [start, end) pairs: an opening `**` before a non-blank, closed by the nearest
 * `**` after a non-blank, found in one pass. The lazy regex this replaces (`[^\n]*?` between the pairs)
 * rescanned the rest of the line from every opening that never closes: O(n²) on a long line of `**a `.
 */
function boldSpans(line: string): Array<[number, number]> {
  const n = line.length;
  // closeFrom[p]: the first closing `**` at p or later (preceded by a non-blank), or -1.
  const closeFrom = new Int32Array(n + 3).fill(-1);
  for (let p = n - 2; p >= 1; p--) {
    const closes = line[p] === '*' && line[p + 1] === '*' && !isBlank(line[p - 1]);
    closeFrom[p] = closes ? p : closeFrom[p + 1]!;
  }
  const spans: Array<[number, number]> = [];
  for (let i = 0; i + 5 <= n; i++) {
    if (line[i] !== '*' || line[i + 1] !== '*' || isBlank(line[i + 2])) continue;
    // The text between is at least one character.
    const close = closeFrom[i + 3]!;
    if (close < 0) continue;
    spans.push([i, close + 2]);
    i = close + 1;
  }
  return spans;
}

/**
 * The small part of Markdown that fiction uses: **bold**, *italic* / _italic_, and backslash escapes.
 * Works on character positions so every character keeps its model-written flag.
 */
function inlineRuns(line: string, offset: number, mask: Uint8Array | null): Run[] {
  const n = line.length;
  const drop = new Uint8Array(n);
  const bold = new Uint8Array(n);
  const italic = new Uint8Array(n);
  // Escaped characters are masked out of the emphasis search and their backslash dropped.
  let probe = line.replace(/\\([\\`*_#[\]()!-])/g, (_m, _c: string, i: number) => {
    drop[i] = 1;
    return '\0\0';
  });
  for (const [i, end] of boldSpans(probe)) {
    drop[i] = drop[i + 1] = drop[end - 2] = drop[end - 1] = 1;
    bold.fill(1, i + 2, end - 2);
  }
  probe = probe.replace(/\*\*/g, (s, i: number) => (drop[i] ? '\0\0' : s));
  const italicPatterns = [/\*(?=[^\s*])([^\n*]*?[^\s*])\*/g, /(?<![\p{L}\p{N}_])_(?=[^\s_])([^\n_]*?[^\s_])_(?![\p{L}\p{N}_])/gu];
  for (const re of italicPatterns) {
    for (const m of probe.matchAll(re)) {
      const i = m.index;
      const end = i + m[0].length;
      if (drop[i] || drop[end - 1]) continue;
      drop[i] = drop[end - 1] = 1;
      italic.fill(1, i + 1, end - 1);
    }
  }
  // Runs take slices of the line: adding a character at a time built million-piece strings that cost far
  // more than linear time to collect and flatten on a long line.
  const runs: Run[] = [];
  let from = 0;
  const flush = (to: number): void => {
    if (to > from) runs[runs.length - 1]!.text += line.slice(from, to);
  };
  for (let i = 0; i < n; i++) {
    if (drop[i]) {
      flush(i);
      from = i + 1;
      continue;
    }
    const isBold = bold[i] === 1;
    const isItalic = italic[i] === 1;
    const isModel = mask !== null && mask[offset + i] === 1;
    const last = runs[runs.length - 1];
    if (last && last.bold === isBold && last.italic === isItalic && last.model === isModel) continue;
    flush(i);
    runs.push({ text: '', bold: isBold, italic: isItalic, model: isModel });
    from = i;
  }
  flush(n);
  for (const r of runs) r.text = r.text.replace(xmlInvalid, '');
  return runs.filter((r) => r.text.length > 0);
}

export function plainText(runs: readonly Run[]): string {
  return runs.map((r) => r.text).join('');
}

const headingOpen = /^(#{1,6})[ \t]+/;
// Tried only from the first blank of a run, like TRAILING_BLANKS: the one-piece heading pattern this
// replaces, with a lazy `(.*?)` before it, cost O(n²) on a long heading.
const closingHashes = /(?<![ \t])[ \t]+#+$/;
const sceneBreakRe = /^[ \t]*(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|⁂|#)[ \t]*$/;

/** An ATX heading (`## Title ##`) of a line without trailing blanks: its level, and its text without the closing #s. */
function parseHeading(line: string): { level: number; content: string; contentStart: number } | null {
  const open = headingOpen.exec(line);
  if (!open) return null;
  // `open` took every blank after the #s, so `rest` starts with the text (or is empty).
  const rest = line.slice(open[0].length);
  const closing = closingHashes.exec(rest);
  return { level: open[1]!.length, content: closing ? rest.slice(0, closing.index) : rest, contentStart: open[0].length };
}

/**
 * Turns the draft into chapters of blocks, applying the span mode first: 'strip' removes model text,
 * 'mark' flags it run by run, 'keep' forgets who wrote what.
 */
export function buildDocument(text: string, spans: readonly ModelSpan[], mode: SpanMode, chapterBreaks: boolean): Chapter[] {
  const source = (mode === 'strip' ? stripSpans(text, spans) : text).replace(/\r\n?/g, (m) => (m.length === 2 ? ' \n' : '\n'));
  // CRLF became " \n" above (same length) so offsets still line up with the spans; the space is trimmed with the line.
  const mask = mode === 'mark' ? modelMask(source.length, spans) : null;
  const chapters: Chapter[] = [{ title: null, blocks: [] }];
  let para: Run[][] | null = null;
  const current = (): Chapter => chapters[chapters.length - 1]!;
  const endPara = (): void => {
    if (para && para.some((l) => l.length > 0)) current().blocks.push({ type: 'paragraph', lines: para });
    para = null;
  };
  let offset = 0;
  for (const rawLine of source.split('\n')) {
    const lineStart = offset;
    offset += rawLine.length + 1;
    const line = trimTrailingBlanks(rawLine);
    const heading = parseHeading(line);
    if (heading) {
      endPara();
      const { level } = heading;
      const runs = inlineRuns(heading.content, lineStart + heading.contentStart, mask);
      if (level === 1 && chapterBreaks) {
        if (current().blocks.length > 0 || current().title !== null) chapters.push({ title: null, blocks: [] });
        current().title = plainText(runs);
      }
      current().blocks.push({ type: 'heading', level, runs });
    } else if (sceneBreakRe.test(line)) {
      endPara();
      current().blocks.push({ type: 'scene-break' });
    } else if (line.trim() === '') {
      endPara();
    } else {
      const indent = line.length - line.trimStart().length;
      (para ??= []).push(inlineRuns(line.trimStart(), lineStart + indent, mask));
    }
  }
  endPara();
  return chapters.filter((c, i) => c.blocks.length > 0 || (i === 0 && chapters.length === 1));
}
