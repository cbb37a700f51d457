/** The status bar and the Draft panel show one number: the editor's sliced count agrees with the library's. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftLibrary } from '../../../electron/drafts/library.js';
import { WordCounter, type LineSource } from '../../../renderer/editor/word-counter.js';
import { tempDir } from '../drafts/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('kaituhi-words-')));
afterEach(() => cleanup());

function lines(text: string): LineSource {
  const all = text.split('\n');
  return { getVersionId: () => 1, getLineCount: () => all.length, getLineContent: (n) => all[n - 1]!, isDisposed: () => false };
}

describe('word counts', () => {
  it('the status bar counts what the Draft panel counts: hyphens, contractions, Chinese, Japanese and Korean', async () => {
    const text = [
      '# The well-known road',
      '',
      "She didn't look back — not once. 她走进了房间。",
      '東京へ行きました。 안녕하세요, 세계!',
      'mother-in-law, 3.14, rock-and-roll.',
    ].join('\n');
    const library = new DraftLibrary({ root: join(dir, 'Library'), stateDir: join(dir, 'state'), watch: null });
    await library.boot();
    const { id } = await library.catalog.create('Words', text);
    const panel = (await library.words.stats(id)).words;
    await library.shutdown();

    let statusBar: number | null = null;
    new WordCounter({ yieldToFrame: (next) => next() }).count(lines(text), (words) => (statusBar = words));
    expect(statusBar).toBe(panel);
    expect(panel).toBe(33);
  });
});
