/**
 * Lorebook files: Kaituhi's own, NovelAI's `.lorebook`, SillyTavern's World Info and KoboldAI's World Info, read
 * and written. Reading is all or nothing: a file that is not one of these, is not JSON, or holds an entry Kaituhi
 * cannot use (a regex key RE2 cannot run, a text too long) is refused with sentences naming each bad entry.
 *
 * The shapes follow the tools' own code and docs:
 * - NovelAI: https://docs.novelai.net/text/lorebook.html; entries {id, displayName, text, keys, searchRange, enabled,
 *   forceActivation, contextConfig.budgetPriority, …} under `lorebookVersion`, as SillyTavern's importer reads them
 *   (SillyTavern/SillyTavern, public/scripts/world-info.js, convertNovelLorebook).
 * - SillyTavern: public/scripts/world-info.js (newWorldInfoEntryDefinition, parseRegexFromString): `{entries: {uid:
 *   {uid, key, keysecondary, comment, content, constant, selective, order, disable, caseSensitive, …}}}`.
 * - KoboldAI: KoboldAI/KoboldAI-Client, aiserver.py (saveRequest, loadJSON): a story file whose `worldinfo` holds
 *   {key, keysecondary, content, comment, folder, selective, constant}, keys comma-separated; KoboldAI Lite
 *   (LostRuins/koboldcpp, klite.embd) adds keyanti, probability, wigroup and widisabled.
 *
 * What a format has no field for (a case rule, a scan depth in characters, a priority, Kaituhi's id) is written
 * beside the entry as `kaituhi: {…}`, and the lorebook's budget at the top, so exporting and importing again loses
 * nothing Kaituhi models; the tools ignore fields they do not know. A field the tool has natively always wins.
 */
import { z } from 'zod';
import { errorMessage } from './error-message.js';
import { keyProblem } from './lore-keys.js';
import { LORE_LIMITS, loreEntryIdSchema, lorebookSchema, newLoreEntry, type LoreEntry, type Lorebook } from './lore.js';

export const LOREBOOK_FORMATS = ['kaituhi', 'novelai', 'sillytavern', 'koboldai'] as const;
export type LorebookFormat = (typeof LOREBOOK_FORMATS)[number];

/** The file name ending each format is saved with. */
export const LOREBOOK_EXTENSIONS: Record<LorebookFormat, string> = {
  kaituhi: '.kaituhi-lore.json',
  novelai: '.lorebook',
  sillytavern: '.json',
  koboldai: '.json',
};

export interface ImportedLorebook {
  readonly format: LorebookFormat;
  readonly lorebook: Lorebook;
  /** What the file holds that Kaituhi does not use (secondary keys, anti-keys), entry by entry, in words. */
  readonly warnings: readonly string[];
}

/** A lorebook file Kaituhi cannot take; `problems` are sentences, each naming its entry. Nothing was imported. */
export class LorebookImportError extends Error {
  override readonly name = 'LorebookImportError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const shown = problems.slice(0, 5).join(' ');
    super(`${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more problems)` : ''} Nothing was imported.`);
    this.problems = problems;
  }
}

/** What Kaituhi writes beside an entry in another tool's format. */
const extensionSchema = z
  .object({
    id: z.string().optional(),
    keys: z.array(z.string()).optional(),
    caseSensitive: z.boolean().optional(),
    scanDepth: z.number().optional(),
    priority: z.number().optional(),
  })
  .partial();
type Extension = z.infer<typeof extensionSchema>;
const bookExtensionSchema = z.object({ budget: z.number().int() }).partial();

/** One entry as read from a file, before Kaituhi checks it. */
interface DraftEntry {
  id?: unknown;
  title: string;
  text: string;
  keys: string[];
  caseSensitive: boolean;
  alwaysOn: boolean;
  enabled: boolean;
  scanDepth: number;
  priority: number;
}

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : []);
const num = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const extensionOf = (entry: Record<string, unknown>): Extension => extensionSchema.safeParse(entry.kaituhi).data ?? {};
const commaKeys = (value: unknown): string[] =>
  str(value)
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);

/** Which format a parsed file is in, or null. */
export function detectLorebookFormat(json: unknown): LorebookFormat | null {
  const top = record(json);
  if (top && top.kaituhiLorebook === 1) return 'kaituhi';
  if (top && top.lorebookVersion !== undefined && Array.isArray(top.entries)) return 'novelai';
  if (top && record(top.entries) && Object.values(record(top.entries)!).every((e) => record(e) && 'content' in record(e)!))
    return 'sillytavern';
  const kobold = Array.isArray(json) ? json : top && Array.isArray(top.worldinfo) ? top.worldinfo : null;
  if (kobold && kobold.every((e) => record(e) && 'content' in record(e)! && 'key' in record(e)!)) return 'koboldai';
  return null;
}

/** Reads a lorebook file in any of the formats. `newId` names entries the file gives no usable id. */
export function importLorebook(text: string, newId: () => string): ImportedLorebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LorebookImportError([`This file is not valid JSON (${errorMessage(error)}).`]);
  }
  const format = detectLorebookFormat(json);
  if (format === null) {
    throw new LorebookImportError([
      'This file is not a lorebook Kaituhi can read: it expects a NovelAI .lorebook, a SillyTavern World Info file, a KoboldAI World Info (or story) file, or a Kaituhi lorebook.',
    ]);
  }
  const warnings: string[] = [];
  const top = record(json) ?? {};
  const entries = READERS[format](json, warnings);
  const budgetSource = format === 'kaituhi' ? top.budget : bookExtensionSchema.safeParse(top.kaituhi).data?.budget;
  const budget = Math.round(clamp(num(budgetSource, LORE_LIMITS.budget.default), LORE_LIMITS.budget));
  return { format, lorebook: checked(entries, budget, newId), warnings };
}

const READERS: Record<LorebookFormat, (json: unknown, warnings: string[]) => DraftEntry[]> = {
  kaituhi: (json) =>
    (record(json)!.entries as unknown[] | undefined)?.map((raw) => {
      const e = record(raw) ?? {};
      return {
        id: e.id,
        title: str(e.title),
        text: str(e.text),
        keys: strings(e.keys),
        caseSensitive: e.caseSensitive === true,
        alwaysOn: e.alwaysOn === true,
        enabled: e.enabled !== false,
        scanDepth: num(e.scanDepth, LORE_LIMITS.scanDepth.default),
        priority: num(e.priority, LORE_LIMITS.priority.default),
      };
    }) ?? [],

  novelai: (json) =>
    (record(json)!.entries as unknown[]).map((raw) => {
      const e = record(raw) ?? {};
      const ext = extensionOf(e);
      return {
        id: e.id,
        title: str(e.displayName),
        text: str(e.text),
        keys: strings(e.keys),
        // NovelAI's plain keys ignore case; a case-sensitive key there is a regex.
        caseSensitive: ext.caseSensitive === true,
        alwaysOn: e.forceActivation === true,
        enabled: e.enabled !== false,
        scanDepth: num(e.searchRange, LORE_LIMITS.scanDepth.default),
        priority: num(record(e.contextConfig)?.budgetPriority, LORE_LIMITS.priority.default),
      };
    }),

  sillytavern: (json, warnings) =>
    Object.values(record(record(json)!.entries)!)
      .map((raw) => record(raw)!)
      .sort((a, b) => num(a.displayIndex, num(a.uid, 0)) - num(b.displayIndex, num(b.uid, 0)))
      .map((e) => {
        const ext = extensionOf(e);
        const title = str(e.comment);
        const secondary = strings(e.keysecondary).filter((k) => k.trim());
        if (e.selective !== false && secondary.length > 0) warnings.push(`${entryName(title, strings(e.key))}: ${SECONDARY_KEYS}`);
        return {
          id: ext.id,
          title,
          text: str(e.content),
          keys: strings(e.key),
          caseSensitive: e.caseSensitive === true,
          alwaysOn: e.constant === true,
          enabled: e.disable !== true,
          // SillyTavern's own scan depth counts chat messages, not characters.
          scanDepth: num(ext.scanDepth, LORE_LIMITS.scanDepth.default),
          priority: num(e.order, LORE_LIMITS.priority.default),
        };
      }),

  koboldai: (json, warnings) => {
    const list = (Array.isArray(json) ? json : (record(json)!.worldinfo as unknown[])).map((raw) => record(raw)!);
    // KoboldAI keeps an empty entry at the end of each folder for the editor: it is not lore.
    return list
      .filter((e) => str(e.key).trim() || str(e.content).trim() || e.constant === true)
      .map((e) => {
        const ext = extensionOf(e);
        const native = commaKeys(e.key);
        // Kaituhi's exact keys (a regex may hold a comma) unless the keys were edited in KoboldAI since.
        const keys = ext.keys && ext.keys.join(',') === str(e.key) ? ext.keys : native;
        const title = str(e.comment);
        if (e.selective === true && commaKeys(e.keysecondary).length > 0) warnings.push(`${entryName(title, keys)}: ${SECONDARY_KEYS}`);
        if (commaKeys(e.keyanti).length > 0) warnings.push(`${entryName(title, keys)}: its anti-keys are not used by Kaituhi.`);
        return {
          id: ext.id,
          title,
          text: str(e.content),
          keys,
          caseSensitive: ext.caseSensitive === true,
          alwaysOn: e.constant === true,
          enabled: e.widisabled !== true,
          scanDepth: num(ext.scanDepth, LORE_LIMITS.scanDepth.default),
          priority: num(ext.priority, LORE_LIMITS.priority.default),
        };
      });
  },
};

const SECONDARY_KEYS = 'its secondary keys are not used by Kaituhi; it activates on its primary keys alone.';

function entryName(title: string, keys: readonly string[]): string {
  const name = title.trim() || keys[0]?.trim();
  return name ? `The entry “${name}”` : 'An untitled entry';
}

function clamp(value: number, limits: { readonly min: number; readonly max: number }): number {
  return Math.min(limits.max, Math.max(limits.min, value));
}

/** Every entry checked; the lorebook, or an error listing each entry's problems. */
function checked(drafts: readonly DraftEntry[], budget: number, newId: () => string): Lorebook {
  const problems: string[] = [];
  if (drafts.length > LORE_LIMITS.entries) {
    problems.push(`This lorebook has ${drafts.length} entries; Kaituhi keeps at most ${LORE_LIMITS.entries} in one draft.`);
  }
  const ids = new Set<string>();
  const entries: LoreEntry[] = drafts.slice(0, LORE_LIMITS.entries).map((draft, index) => {
    const name = `${entryName(draft.title, draft.keys)} (number ${index + 1})`;
    const keys = draft.keys.map((k) => k.trim()).filter((k) => k.length > 0);
    for (const key of keys) {
      const problem = key.length > LORE_LIMITS.keyChars ? `a key is longer than ${LORE_LIMITS.keyChars} characters` : keyProblem(key);
      if (problem) problems.push(`${name}: ${problem}.`);
    }
    if (keys.length > LORE_LIMITS.keysPerEntry)
      problems.push(`${name}: it has ${keys.length} keys; at most ${LORE_LIMITS.keysPerEntry} fit.`);
    if (draft.text.length > LORE_LIMITS.textChars) {
      problems.push(`${name}: its text has ${draft.text.length} characters; at most ${LORE_LIMITS.textChars} fit.`);
    }
    const given = loreEntryIdSchema.safeParse(draft.id);
    const id = given.success && !ids.has(given.data) ? given.data : newId();
    ids.add(id);
    return newLoreEntry(id, {
      title: draft.title.slice(0, LORE_LIMITS.titleChars),
      text: draft.text,
      keys,
      caseSensitive: draft.caseSensitive,
      alwaysOn: draft.alwaysOn,
      enabled: draft.enabled,
      scanDepth: Math.round(clamp(draft.scanDepth, LORE_LIMITS.scanDepth)),
      priority: Math.round(clamp(draft.priority, LORE_LIMITS.priority)),
    });
  });
  if (problems.length > 0) throw new LorebookImportError(problems);
  const book = lorebookSchema.safeParse({ budget, entries });
  if (!book.success) throw new LorebookImportError(book.error.issues.map((issue) => `${issue.message}.`));
  return book.data;
}

/** A lorebook as a file of the given format (JSON text). */
export function exportLorebook(book: Lorebook, format: LorebookFormat): string {
  return `${JSON.stringify(WRITERS[format](book), null, 2)}\n`;
}

const WRITERS: Record<LorebookFormat, (book: Lorebook) => unknown> = {
  kaituhi: (book) => ({ kaituhiLorebook: 1, budget: book.budget, entries: book.entries }),

  novelai: (book) => ({
    lorebookVersion: 5,
    entries: book.entries.map((e) => ({
      text: e.text,
      contextConfig: {
        prefix: '',
        suffix: '\n',
        tokenBudget: 1,
        reservedTokens: 0,
        budgetPriority: e.priority,
        trimDirection: 'trimBottom',
        insertionType: 'newline',
        maximumTrimType: 'sentence',
        insertionPosition: -1,
      },
      displayName: e.title,
      id: e.id,
      keys: e.keys,
      searchRange: e.scanDepth,
      enabled: e.enabled,
      forceActivation: e.alwaysOn,
      keyRelative: false,
      nonStoryActivatable: false,
      category: '',
      loreBiasGroups: [],
      kaituhi: { caseSensitive: e.caseSensitive },
    })),
    settings: { orderByKeyLocations: false },
    categories: [],
    kaituhi: { budget: book.budget },
  }),

  sillytavern: (book) => ({
    entries: Object.fromEntries(
      book.entries.map((e, uid) => [
        String(uid),
        {
          uid,
          key: e.keys,
          keysecondary: [],
          comment: e.title,
          content: e.text,
          constant: e.alwaysOn,
          vectorized: false,
          selective: false,
          selectiveLogic: 0,
          addMemo: true,
          order: e.priority,
          position: 0,
          disable: !e.enabled,
          excludeRecursion: false,
          preventRecursion: false,
          probability: 100,
          useProbability: true,
          depth: 4,
          group: '',
          groupOverride: false,
          groupWeight: 100,
          scanDepth: null,
          caseSensitive: e.caseSensitive,
          matchWholeWords: null,
          automationId: '',
          role: 0,
          sticky: null,
          cooldown: null,
          delay: null,
          displayIndex: uid,
          kaituhi: { id: e.id, scanDepth: e.scanDepth },
        },
      ]),
    ),
    kaituhi: { budget: book.budget },
  }),

  koboldai: (book) => ({
    gamestarted: false,
    prompt: '',
    memory: '',
    authorsnote: '',
    anotetemplate: "[Author's note: <|>]",
    actions: [],
    worldinfo: book.entries.map((e) => ({
      key: e.keys.join(','),
      keysecondary: '',
      keyanti: '',
      content: e.text,
      comment: e.title,
      folder: null,
      selective: false,
      constant: e.alwaysOn,
      probability: 100,
      widisabled: !e.enabled,
      kaituhi: { id: e.id, keys: e.keys, caseSensitive: e.caseSensitive, scanDepth: e.scanDepth, priority: e.priority },
    })),
    wifolders_d: {},
    wifolders_l: [],
    kaituhi: { budget: book.budget },
  }),
};

/**
 * The imported entries added after the draft's own; an imported id the draft already uses gets a fresh one. The
 * result is checked as a whole (entry count, size), so a merge that does not fit is refused, not cut.
 */
export function mergeLorebooks(current: Lorebook, imported: Lorebook, newId: () => string): Lorebook {
  if (current.entries.length + imported.entries.length > LORE_LIMITS.entries) {
    throw new LorebookImportError([
      `The draft has ${current.entries.length} entries and the file ${imported.entries.length}; at most ${LORE_LIMITS.entries} fit in one draft.`,
    ]);
  }
  const ids = new Set(current.entries.map((e) => e.id));
  const added = imported.entries.map((e) => (ids.has(e.id) ? { ...e, id: newId() } : e));
  const merged = lorebookSchema.safeParse({ budget: current.budget, entries: [...current.entries, ...added] });
  if (!merged.success) throw new LorebookImportError(merged.error.issues.map((issue) => `${capitalize(issue.message)}.`));
  return merged.data;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
