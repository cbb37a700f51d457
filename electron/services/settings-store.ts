import { readFile, rename } from 'node:fs/promises';
import type { SettingsNotice, SettingsState } from '../shared/api.js';
import { errorMessage } from '../common/error-message.js';
import { defaultSettings, type Settings } from '../common/settings.js';
import { parseJsonText, parseSettings } from '../shared/validators.js';
import { isErrno } from '../disk/errno.js';
import { writeJsonAtomic } from '../disk/json-file.js';

/**
 * Loads and saves the settings file. Saving is atomic; loading validates, and an unreadable file falls back
 * to defaults, is kept aside (never silently overwritten) and is reported to the writer in `notice`, as a problem
 * code the interface words in the writer's language.
 */
export class SettingsStore {
  #state: SettingsState;

  constructor(readonly file: string) {
    this.#state = { settings: defaultSettings(), location: file, notice: null };
  }

  get state(): SettingsState {
    return this.#state;
  }

  async load(): Promise<SettingsState> {
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return this.#set(defaultSettings(), null);
      return this.#set(defaultSettings(), { problem: 'unreadable', detail: errorMessage(error), keptAs: null });
    }
    const parsed = parseJsonText(raw, parseSettings);
    if (parsed.ok) return this.#set(parsed.value, null);
    const keptAs = await this.#setAside();
    return this.#set(defaultSettings(), { problem: 'damaged', detail: parsed.error, keptAs });
  }

  async save(settings: Settings): Promise<SettingsState> {
    const checked = parseSettings(settings);
    if (!checked.ok) throw new Error(`Settings not saved: ${checked.error}`);
    await writeJsonAtomic(this.file, checked.value);
    return this.#set(checked.value, null);
  }

  async #setAside(): Promise<string | null> {
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.file, aside);
      return aside;
    } catch {
      return null;
    }
  }

  #set(settings: Settings, notice: SettingsNotice | null): SettingsState {
    this.#state = { settings, location: this.file, notice };
    return this.#state;
  }
}
