import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DraftLibrary } from '../../../electron/drafts/library.js';
import { journalFileName } from '../../../electron/drafts/journal.js';
import { journalEntrySchema } from '../../../electron/drafts/metadata.js';
import { crashIteration, crashText } from './crash-text.js';
import { tempDir } from './helpers.js';

const KILLS = 200;
// Independent libraries killed side by side: each round mostly waits on process start-up and fsync.
const LANES = 5;
let dir: string;
let cleanup: () => Promise<void>;
let childJs: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('kaituhi-crash-'));
  childJs = join(dir, 'child.mjs');
  // Bundled once: starting tsx 200 times would take minutes on this machine; plain node starts in ~0.1 s.
  await build({
    entryPoints: [fileURLToPath(new URL('./crash-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: childJs,
    minify: true,
    logLevel: 'error',
  });
});
const live = new Set<import('node:child_process').ChildProcess>();
afterAll(async () => {
  for (const c of live) c.kill('SIGKILL');
  await cleanup();
});

function runAndKill(root: string, stateDir: string, id: string, start: number, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, root, stateDir, id, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.on('exit', () => live.delete(child));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited by itself (${code}): ${stderr}`)),
    );
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
  });
}

it(`survives ${KILLS} SIGKILLs at random instants: the file is always the old or the new text, and the journal restores the rest`, async () => {
  const results = await Promise.all(Array.from({ length: LANES }, (_, lane) => lane).map((lane) => runLane(lane, KILLS / LANES)));
  const outcomes = { journalUnsaved: 0, journalAlreadySaved: 0, noJournal: 0 };
  for (const r of results) for (const k of Object.keys(outcomes) as (keyof typeof outcomes)[]) outcomes[k] += r.outcomes[k];
  // Temp files that kills left behind (each lane checks they are swept when the draft opens again).
  const strays = results.reduce((n, r) => n + r.strays, 0);
  const seen = JSON.stringify({ ...outcomes, strays });
  expect(outcomes.journalUnsaved + outcomes.journalAlreadySaved + outcomes.noJournal, seen).toBe(KILLS);
  expect(outcomes.journalUnsaved, seen).toBeGreaterThan(0);
}, 150_000);

async function runLane(lane: number, kills: number) {
  const root = join(dir, `Library-${lane}`);
  const stateDir = join(dir, `state-${lane}`);
  const setup = new DraftLibrary({ root, stateDir, watch: null });
  await setup.boot();
  const { id } = await setup.catalog.create('Crash', crashText(0));
  await setup.shutdown();

  const outcomes = { journalUnsaved: 0, journalAlreadySaved: 0, noJournal: 0 };
  let latest = 0;
  let strays = 0;
  for (let round = 0; round < kills; round++) {
    await runAndKill(root, stateDir, id, latest + 1, Math.random() * 40);
    strays += (await readdir(join(root, id))).filter((n) => n.endsWith('.tmp')).length;

    const onDisk = crashIteration(await readFile(join(root, id, 'text.md'), 'utf8'));
    expect(onDisk, `lane ${lane} round ${round}: text.md is torn or empty`).not.toBeNull();
    expect((await readdir(join(root, id))).filter((n) => !n.startsWith('.'))).toEqual(expect.arrayContaining(['text.md', 'draft.json']));

    const journalPath = join(stateDir, 'journal', journalFileName(id));
    const journalRaw = await readFile(journalPath, 'utf8').catch(() => null);
    let journaled: number | null = null;
    if (journalRaw !== null) {
      const entry = journalEntrySchema.parse(JSON.parse(journalRaw));
      journaled = crashIteration(entry.text);
      expect(journaled, `lane ${lane} round ${round}: journal text is torn`).not.toBeNull();
      expect([onDisk, onDisk! + 1], `lane ${lane} round ${round}: journal is neither the saved text nor the next one`).toContain(journaled);
    }

    const lib = new DraftLibrary({ root, stateDir, watch: null });
    const report = await lib.boot();
    if (journaled !== null && journaled !== onDisk) {
      outcomes.journalUnsaved++;
      expect(report.recovered.map((r) => r.id)).toEqual([id]);
      expect((await lib.buffers.open(id)).text).toBe(crashText(journaled));
    } else {
      if (journaled !== null) outcomes.journalAlreadySaved++;
      else outcomes.noJournal++;
      expect(report.recovered).toEqual([]);
    }
    const { failed } = await lib.shutdown();
    expect(failed).toEqual([]);
    latest = journaled ?? onDisk!;
    expect(crashIteration(await readFile(join(root, id, 'text.md'), 'utf8'))).toBe(latest);
    expect(await readFile(journalPath, 'utf8').catch(() => null)).toBeNull();
  }
  // Opening the draft sweeps temp files that killed writers left behind.
  const sweep = new DraftLibrary({ root, stateDir, watch: null });
  await sweep.boot();
  await sweep.buffers.open(id);
  await sweep.shutdown();
  const leftovers = (await readdir(join(root, id))).filter((n) => n.endsWith('.tmp')).length;
  expect(leftovers).toBe(0);
  return { outcomes, strays };
}
