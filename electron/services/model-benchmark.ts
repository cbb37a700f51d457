import type { Engine } from '../engine/types.js';

/** Prose, like what the writer's suggestions start from; greedy, so runs compare. */
const BENCHMARK_PROMPT = 'The rain had not stopped for three days, and the river was rising under the old bridge.';
const BENCHMARK_TOKENS = 32;

/**
 * Tokens per second of decoding on this machine, from one short greedy generation. Returns null when the model
 * stopped before producing enough tokens to time (an end-of-text at once says nothing about speed).
 */
export async function measureTokensPerSecond(engine: Engine): Promise<number | null> {
  let tokensPerSecond: number | null = null;
  const request = {
    context: BENCHMARK_PROMPT,
    maxTokens: BENCHMARK_TOKENS,
    candidates: 1,
    sampler: {
      greedy: true,
      temperature: 1,
      topK: 0,
      topP: 1,
      minP: 0,
      typicalP: 1,
      repetitionPenalty: 1,
      repetitionWindow: 0,
      noRepeatNgramSize: 0,
    },
    stopAt: 'none' as const,
  };
  for await (const event of engine.generate(request)) {
    if (event.type === 'stats' && event.generatedTokens >= 4 && event.tokensPerSecond > 0) tokensPerSecond = event.tokensPerSecond;
  }
  return tokensPerSecond;
}
