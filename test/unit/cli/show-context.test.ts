/**
 * `kaituhi generate --memory/--note/--note-depth/--lorebook --show-context`: the assembled window as JSON, from any
 * lorebook format, generating nothing; and bad story options or files explained on stderr.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKaituhi } from '../../support/kaituhi-bin.js';
import { tinyCheckpoint } from '../../support/fixtures.js';

const lorebooks = fileURLToPath(new URL('../../support/lorebooks/', import.meta.url));
let model: string;
let dir: string;

beforeAll(async () => {
  model = await tinyCheckpoint();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kaituhi-show-context-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ShownContext {
  contextWindow: number;
  segments: { source: string; entry?: string; entryId?: string; text: string; tokenIds: number[] }[];
  budget: { start: number; memory: number; lore: number; note: number; story: number; reserved: number };
  leftOut: { source: string; entry?: string; reason: string; tokens: number }[];
}

const story = 'The boat came in at dusk.\n\nAroha tied it to the pier.\n\nThe lighthouse stood dark.\n\nShe looked up at it';

async function show(...extra: string[]): Promise<ShownContext> {
  const { stdout } = await runKaituhi(['generate', '--model', model, '--prompt', story, '--device', 'cpu', '--show-context', ...extra]);
  return JSON.parse(stdout) as ShownContext;
}

describe('kaituhi generate --show-context', () => {
  it('prints memory, active lore, the note and the story in order, with the budget, and generates nothing', async () => {
    const shown = await show(
      '--memory',
      'A harbour town in winter.\n',
      '--note',
      'Tone: dread',
      '--note-depth',
      '2',
      '--lorebook',
      path.join(lorebooks, 'harbour.lorebook'),
    );
    expect(shown.segments.map((s) => [s.source, s.entry ?? null])).toEqual([
      ['memory', null],
      ['lore', 'Aroha'],
      ['lore', 'The lighthouse'],
      ['lore', 'Harbour law'],
      ['story', null],
      ['note', null],
      ['story', null],
    ]);
    expect(shown.segments.map((s) => s.text).join('')).toBe(
      "A harbour town in winter.\nAroha is the lighthouse keeper's daughter. She rows alone and trusts no one from the city.\n" +
        'The lighthouse on the rocks has been dark since the wreck of the Matariki.\nNo boat leaves the harbour after the chapel bell.\n' +
        'The boat came in at dusk.\n\nAroha tied it to the pier.\n\n[ Tone: dread ]\nThe lighthouse stood dark.\n\nShe looked up at it',
    );
    const count = (source: string) => shown.segments.filter((s) => s.source === source).reduce((n, s) => n + s.tokenIds.length, 0);
    expect(shown.budget).toEqual({
      start: 0,
      memory: count('memory'),
      lore: count('lore'),
      note: count('note'),
      story: count('story'),
      reserved: 50,
    });
    expect(shown.contextWindow).toBe(1024);
    expect(shown.leftOut).toEqual([]);
  });

  it('reads SillyTavern and KoboldAI World Info too, and lists entries left out over budget', async () => {
    const st = await show('--lorebook', path.join(lorebooks, 'harbour-sillytavern.json'));
    expect(st.segments.filter((s) => s.source === 'lore').map((s) => s.entry)).toEqual(['Aroha', 'The lighthouse', 'Harbour law']);
    const kobold = await show('--lorebook', path.join(lorebooks, 'harbour-koboldai.json'));
    expect(kobold.segments.filter((s) => s.source === 'lore').map((s) => s.entry)).toEqual(['Aroha', 'The lighthouse', 'Harbour law']);

    const small = path.join(dir, 'small.json');
    const book = JSON.parse(await readFile(path.join(lorebooks, 'harbour.lorebook'), 'utf8')) as Record<string, unknown>;
    await writeFile(small, JSON.stringify({ ...book, kaituhi: { budget: 30 } }));
    const tight = await show('--lorebook', small);
    // 30 tokens: Harbour law (priority 800, 11 tokens) goes in first; Aroha (400, 22 tokens) no longer fits; the
    // lighthouse (200, 18 tokens) still does. In the window they keep the order they became active in.
    expect(tight.segments.filter((s) => s.source === 'lore').map((s) => [s.entry, s.tokenIds.length])).toEqual([
      ['The lighthouse', 18],
      ['Harbour law', 11],
    ]);
    expect(tight.leftOut).toEqual([
      { source: 'lore', entry: 'Aroha', entryId: '8f2a1c4e-5b6d-4e7f-9a0b-1c2d3e4f5a6b', reason: 'over-budget', tokens: 22 },
    ]);
  });

  it('explains bad story options and bad lorebooks on stderr', async () => {
    const fail = (...args: string[]) => runKaituhi(['generate', '--model', model, '--prompt', 'x', ...args]);
    await expect(fail('--note-depth', '0', '--note', 'n')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--note-depth must be a whole number of paragraphs from 1 to 1000, got "0"/),
    });
    await expect(fail('--note-depth', '2')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/give the note with --note/) });
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{"entries": {"0": {"key": ["/(?=x)/"], "content": "c", "comment": "Bad"}}}');
    await expect(fail('--lorebook', broken)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /broken\.json: The entry “Bad” \(number 1\): the regex key \/\(\?=x\)\/ does not compile.*Nothing was imported\./,
      ),
    });
    await expect(fail('--lorebook', path.join(dir, 'nowhere.json'))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot read the lorebook .*nowhere\.json/),
    });
  });
});
