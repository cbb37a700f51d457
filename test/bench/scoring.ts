/**
 * The cost of scoring a text (surprise highlighting, `kaituhi score`): 1,000 words of prose cold, then rescoring
 * after a one-word edit the way the app does it (the text before the edit as context, read from the prefix cache;
 * only the text from the edit on scored), once near the end of the text and once in its middle.
 */
import { LocalEngine } from '../../electron/engine/engine.js';
import type { EngineLoadOptions, ScoreResult } from '../../electron/engine/types.js';
import { prose } from './prose.js';

export interface ScoringBench {
  readonly words: number;
  readonly tokens: number;
  readonly cold: ScoreTiming;
  readonly editNearEnd: ScoreTiming;
  readonly editInMiddle: ScoreTiming;
}

export interface ScoreTiming {
  readonly ms: number;
  readonly scoredTokens: number;
  readonly reusedTokens: number;
  readonly windows: number;
  readonly chunks: number;
}

async function timed(engine: LocalEngine, context: string, text: string): Promise<ScoreTiming> {
  const started = performance.now();
  const r: ScoreResult = await engine.score({ context, text });
  return {
    ms: performance.now() - started,
    scoredTokens: r.tokens.length,
    reusedTokens: r.stats.reusedTokens,
    windows: r.stats.windows,
    chunks: r.stats.chunks,
  };
}

/** Rescoring after replacing word `at` of `words`: the text before the edit is context, the rest is scored. */
async function afterEdit(engine: LocalEngine, words: string[], at: number): Promise<ScoreTiming> {
  const edited = [...words.slice(0, at), 'lantern', ...words.slice(at + 1)];
  // The cache holds what the last score left: the unedited text's last window.
  return timed(engine, edited.slice(0, at + 1).join(' '), ` ${edited.slice(at + 1).join(' ')}`);
}

export async function scoringBench(options: EngineLoadOptions, words = 1000): Promise<ScoringBench> {
  const engine = await LocalEngine.load({ devices: ['cpu'], ...options });
  try {
    const text = prose(words, 13);
    const split = text.split(' ');
    const cold = await timed(engine, '', text);
    const editNearEnd = await afterEdit(engine, split, Math.floor(split.length * 0.95));
    // Back to the unedited text's state before the second edit.
    await timed(engine, '', text);
    const editInMiddle = await afterEdit(engine, split, Math.floor(split.length / 2));
    return { words: split.length, tokens: cold.scoredTokens, cold, editNearEnd, editInMiddle };
  } finally {
    await engine.close();
  }
}

export function scoringLine(label: string, b: ScoringBench): string {
  const t = (x: ScoreTiming): string =>
    `${(x.ms / 1000).toFixed(2)} s (${x.scoredTokens} tokens scored, ${x.reusedTokens} reused, ${x.windows} windows, ${x.chunks} chunks, ${(x.ms / x.chunks).toFixed(0)} ms a chunk)`;
  return (
    `${label}: scoring ${b.words} words (${b.tokens} tokens, no context): cold ${t(b.cold)}; ` +
    `after a one-word edit near the end ${t(b.editNearEnd)}; in the middle ${t(b.editInMiddle)}`
  );
}
