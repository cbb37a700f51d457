import { describe, expect, it } from 'vitest';
import { AutosaveScheduler } from '../../../electron/drafts/autosave.js';
import { DraftError } from '../../../electron/drafts/errors.js';
import { normalizeSpans, parseMeta, defaultMeta } from '../../../electron/drafts/metadata.js';
import { remapSpans } from '../../../electron/drafts/spans.js';
import { diffTexts } from '../../../electron/drafts/text-diff.js';
import { FakeClock } from './helpers.js';

describe('metadata', () => {
  it('salvages good fields from a damaged draft.json and names the bad ones', () => {
    const fallback = defaultMeta('fallback', '2025-01-01T00:00:00.000Z');
    const { meta, problems } = parseMeta(JSON.stringify({ title: 'Kept', memory: 42, modelSpans: [{ start: 1, end: 4 }] }), fallback);
    expect(meta.title).toBe('Kept');
    expect(meta.memory).toBe('');
    expect(meta.modelSpans).toEqual([{ start: 1, end: 4 }]);
    expect(problems).toEqual(['draft.json field "memory" is invalid; using the default']);
    const broken = parseMeta('{"title": "half', fallback);
    expect(broken.meta).toEqual(fallback);
    expect(broken.problems[0]).toMatch(/not valid JSON/);
  });
  it('normalizes and remaps model spans', () => {
    expect(
      normalizeSpans(
        [
          { start: 5, end: 9 },
          { start: 0, end: 3 },
          { start: 2, end: 6 },
          { start: 20, end: 30 },
        ],
        25,
      ),
    ).toEqual([
      { start: 0, end: 9 },
      { start: 20, end: 25 },
    ]);
    const old = 'AAAA model BBBB model2 CCCC';
    const spans = [
      { start: 5, end: 10 },
      { start: 16, end: 22 },
    ];
    const edited = 'AAAA model BBBB!!! model2 CCCC';
    expect(remapSpans(spans, old, edited)).toEqual([
      { start: 5, end: 10 },
      { start: 19, end: 25 },
    ]);
    expect(remapSpans(spans, old, 'AAAA mXdel BBBB model2 CCCC')).toEqual([{ start: 16, end: 22 }]);
  });
});

describe('diffTexts', () => {
  it('shows changed words inside a changed paragraph', () => {
    const d = diffTexts('The cat sat on the mat.\nSecond line stays.\n', 'The dog sat on the mat.\nSecond line stays.\nNew line here.\n');
    expect(d.chunks.filter((c) => c.kind === 'removed').map((c) => c.text.trim())).toEqual(['cat']);
    expect(d.chunks.filter((c) => c.kind === 'added').map((c) => c.text.trim())).toEqual(['dog', 'New line here.']);
    expect(d.wordsAdded).toBe(4);
    expect(d.wordsRemoved).toBe(1);
    expect(diffTexts('她走进了房间。', '她走出了房间。').chunks).toEqual([
      { kind: 'same', text: '她走' },
      { kind: 'removed', text: '进' },
      { kind: 'added', text: '出' },
      { kind: 'same', text: '了房间。' },
    ]);
  });
});

describe('AutosaveScheduler', () => {
  function setup(saveImpl?: (k: string) => Promise<void>) {
    const clock = new FakeClock();
    const saves: { key: string; at: number }[] = [];
    const errors: unknown[] = [];
    const s = new AutosaveScheduler<string>({
      clock,
      delayMs: 1000,
      maxDelayMs: 5000,
      retryMs: 2000,
      save: async (key) => {
        saves.push({ key, at: clock.now() });
        if (saveImpl) await saveImpl(key);
      },
      onError: (_k, e) => errors.push(e),
    });
    return { clock, s, saves, errors, t0: clock.now() };
  }

  it('saves once, 1 s after the last change', async () => {
    const { clock, s, saves, t0 } = setup();
    s.changed('a');
    await clock.advance(600);
    s.changed('a');
    await clock.advance(600);
    s.changed('a');
    await clock.advance(999);
    expect(saves).toEqual([]);
    await clock.advance(1);
    expect(saves).toEqual([{ key: 'a', at: t0 + 2200 }]);
    expect(s.isPending('a')).toBe(false);
    await clock.advance(10_000);
    expect(saves.length).toBe(1);
  });

  it('does not wait longer than maxDelay while the writer keeps typing', async () => {
    const { clock, s, saves, t0 } = setup();
    for (let i = 0; i < 30; i++) {
      s.changed('a');
      await clock.advance(300);
    }
    expect(saves[0]?.at).toBe(t0 + 5000);
  });

  it('flush saves at once (blur, close, quit) and cancels the timer', async () => {
    const { clock, s, saves, t0 } = setup();
    s.changed('a');
    s.changed('b');
    await s.flush();
    expect(saves.map((x) => x.key).sort()).toEqual(['a', 'b']);
    expect(saves.every((x) => x.at === t0)).toBe(true);
    await clock.advance(5000);
    expect(saves.length).toBe(2);
    await s.flush('a');
    expect(saves.length).toBe(2);
  });

  it('retries a failed save with backoff and reports each failure', async () => {
    let failing = true;
    const { clock, s, saves, errors } = setup(async () => {
      if (failing) throw new DraftError('disk-full', 'full');
    });
    s.changed('a');
    await clock.advance(1000);
    expect(errors.length).toBe(1);
    expect(s.isPending('a')).toBe(true);
    await clock.advance(2000);
    expect(errors.length).toBe(2);
    failing = false;
    await clock.advance(4000);
    expect(saves.length).toBe(3);
    expect(s.isPending('a')).toBe(false);
  });

  it('a change during a save triggers another save afterwards, never two at once', async () => {
    let release!: () => void;
    let running = 0;
    let maxRunning = 0;
    const { clock, s, saves } = setup(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => (release = r));
      running--;
    });
    s.changed('a');
    await clock.advance(1000);
    expect(saves.length).toBe(1);
    s.changed('a');
    const flushed = s.flush('a');
    release();
    await clock.advance(0);
    release();
    await flushed;
    expect(saves.length).toBe(2);
    expect(maxRunning).toBe(1);
    expect(s.isPending('a')).toBe(false);
  });
});
