/**
 * How a book in a given language is set: which faces come first, how paragraphs start, how emphasis looks, and the
 * few words an export adds around the writer's text. Chinese books are set with a CJK face first (so “” and …
 * take their full-width forms), every paragraph indented by two characters, emphasis as dots under the characters
 * rather than slanted type, and no space between characters.
 */

export type CjkScript = 'zh-Hans' | 'zh-Hant' | 'ja' | 'ko';

/** System faces only (nothing is fetched); Chromium falls back per character, so mixed text finds a face for each. */
const LATIN_SERIF = ['"Iowan Old Style"', '"Palatino Linotype"', 'Palatino', '"Book Antiqua"', 'Georgia', '"Noto Serif"', '"DejaVu Serif"'];
const CJK_SERIF: Record<CjkScript, readonly string[]> = {
  'zh-Hans': ['"Noto Serif CJK SC"', '"Source Han Serif SC"', '"Songti SC"', 'SimSun'],
  'zh-Hant': ['"Noto Serif CJK TC"', '"Source Han Serif TC"', '"Songti TC"', 'PMingLiU'],
  ja: ['"Noto Serif CJK JP"', '"Source Han Serif"', '"Hiragino Mincho ProN"', '"Yu Mincho"'],
  ko: ['"Noto Serif CJK KR"', '"Source Han Serif K"', '"AppleMyungjo"', 'Batang'],
};
/** Every other CJK face after the document's own, then sans faces and colour emoji. */
const FALLBACK = ['"Noto Sans CJK SC"', '"Microsoft YaHei"', '"Apple Color Emoji"', '"Segoe UI Emoji"', '"Noto Color Emoji"', 'serif'];

/** The font-family of the HTML, EPUB and (printed from the HTML) PDF exports. */
export function serifStack(script: CjkScript | null): string {
  const cjk = (Object.keys(CJK_SERIF) as CjkScript[]).sort((a, b) => Number(b === script) - Number(a === script));
  const faces = [...(script ? [] : LATIN_SERIF), ...cjk.flatMap((s) => CJK_SERIF[s]), ...(script ? LATIN_SERIF : []), ...FALLBACK];
  return [...new Set(faces)].join(', ');
}

/** The script a BCP 47 tag is written in, among those set as CJK; null for the rest. */
export function cjkScript(language: string): CjkScript | null {
  const tag = language.toLowerCase();
  if (/^zh(-|$)/.test(tag)) return /^zh-(hant|tw|hk|mo)(-|$)/.test(tag) ? 'zh-Hant' : 'zh-Hans';
  if (/^ja(-|$)/.test(tag)) return 'ja';
  if (/^ko(-|$)/.test(tag)) return 'ko';
  return null;
}

/** Extra CSS for CJK books, after the base stylesheet. */
export function cjkCss(script: CjkScript | null): string {
  if (script === null) return '';
  return `
body { line-height: 1.8; hyphens: none; text-align: justify; line-break: strict; }
p, p + p { text-indent: 2em; }
.title-page .author, .legend { text-indent: 0; }
h3, .title-page .author { font-style: normal; }
em { font-style: normal; text-emphasis: filled circle; -webkit-text-emphasis: filled circle; text-emphasis-position: under right; -webkit-text-emphasis-position: under; }
h1 { letter-spacing: 0.1em; }`;
}

/** Word's run fonts: the face per character class, and the hint that makes “” … ‘’ East Asian in a CJK book. */
export function docxFonts(script: CjkScript | null): { ascii: string; hAnsi: string; eastAsia: string; cs: string; hint?: string } {
  const eastAsia = stripQuotes(CJK_SERIF[script ?? 'zh-Hans'][0]!);
  return { ascii: 'Georgia', hAnsi: 'Georgia', eastAsia, cs: 'Georgia', ...(script ? { hint: 'eastAsia' } : {}) };
}

/** Word's East Asian proofing language for the document. */
export function docxEastAsiaLanguage(script: CjkScript | null): string {
  return { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', ja: 'ja-JP', ko: 'ko-KR' }[script ?? 'zh-Hans'];
}

function stripQuotes(face: string): string {
  return face.replace(/^"|"$/g, '');
}

/** The words an export adds itself: a table of contents heading, a chapter's fallback name, the mark legend. */
export interface ExportWords {
  readonly contents: string;
  part(n: number): string;
  readonly legend: string;
}

const ENGLISH: ExportWords = {
  contents: 'Contents',
  part: (n) => `Part ${n}`,
  legend: 'Highlighted passages were written by the language model.',
};
const CHINESE_SIMPLIFIED: ExportWords = { contents: '目录', part: (n) => `第${n}部分`, legend: '高亮的段落由语言模型写成。' };
const CHINESE_TRADITIONAL: ExportWords = { contents: '目錄', part: (n) => `第${n}部分`, legend: '高亮的段落由語言模型寫成。' };

export function exportWords(script: CjkScript | null): ExportWords {
  if (script === 'zh-Hans') return CHINESE_SIMPLIFIED;
  if (script === 'zh-Hant') return CHINESE_TRADITIONAL;
  return ENGLISH;
}
