import type { ExportFormat, SpanMode } from '../../common/drafts.js';
import type { ModelSpan } from '../metadata.js';

export type { ExportFormat, SpanMode };

export interface ExportSource {
  title: string;
  text: string;
  modelSpans: readonly ModelSpan[];
}

export interface ExportOptions {
  /** Defaults to the draft's title. */
  title?: string;
  author?: string;
  /** BCP 47; guessed from the text when absent (it picks CJK glyph variants, fonts and hyphenation). */
  language?: string;
  /** Start a new chapter (page, EPUB file) at every `#` heading. Default true. */
  chapterBreaks?: boolean;
  /** Model-written text: kept as is, marked (highlighted), or left out. Default 'keep'. */
  modelSpans?: SpanMode;
  /** Title (and author) at the start. Default true, except for .txt and .md, which stay the writer's own text. */
  titlePage?: boolean;
  /** Fixed for reproducible EPUBs; defaults to now and a hash of the content. */
  modified?: Date;
  identifier?: string;
}

export interface ResolvedOptions {
  title: string;
  author: string | null;
  language: string;
  chapterBreaks: boolean;
  modelSpans: SpanMode;
  titlePage: boolean;
  modified: Date;
  identifier: string | null;
}

/** Frequent characters written differently in Simplified and Traditional Chinese: 们/們, 这/這, 说/說… */
const SIMPLIFIED = /[们这说为国会来时个过还对没听么见开问让话头长门边从样]/gu;
const TRADITIONAL = /[們這說為國會來時個過還對沒聽麼見開問讓話頭長門邊從樣]/gu;

/**
 * Picks the language a reader's software should assume when the writer did not say. Chinese is told apart by
 * script (zh-Hans, zh-Hant), which is what selects the glyphs and the fonts: 红楼梦 and 紅樓夢 are both zh.
 */
export function guessLanguage(text: string): string {
  const sample = text.slice(0, 20_000);
  const letters = (sample.match(/\p{L}/gu) ?? []).length || 1;
  const kana = (sample.match(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu) ?? []).length;
  const han = (sample.match(/\p{Script=Han}/gu) ?? []).length;
  const hangul = (sample.match(/\p{Script=Hangul}/gu) ?? []).length;
  if (kana > letters * 0.05) return 'ja';
  if (hangul > letters * 0.3) return 'ko';
  if (han > letters * 0.3) {
    const traditional = (sample.match(TRADITIONAL) ?? []).length;
    return traditional > (sample.match(SIMPLIFIED) ?? []).length ? 'zh-Hant' : 'zh-Hans';
  }
  return 'en';
}

export function resolveOptions(source: ExportSource, o: ExportOptions, plainFormat: boolean): ResolvedOptions {
  const language = o.language && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(o.language) ? o.language : guessLanguage(source.text);
  return {
    title: (o.title ?? source.title).trim() || 'Untitled',
    author: o.author?.trim() || null,
    language,
    chapterBreaks: o.chapterBreaks ?? true,
    modelSpans: o.modelSpans ?? 'keep',
    titlePage: o.titlePage ?? !plainFormat,
    modified: o.modified ?? new Date(),
    identifier: o.identifier ?? null,
  };
}
