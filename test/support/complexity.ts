/**
 * Asserts how a cost grows with its input instead of how long it takes (the machine's speed and load
 * never decide a result): each tenfold step of the input must cost far less than the hundredfold that a
 * quadratic algorithm pays. Sizes are tried smallest first, so a quadratic one fails early rather than
 * spending minutes on the largest input.
 */
import { expect } from 'vitest';

/** Linear work grows about 10× per step; quadratic work 100×. Anything under this is clearly not quadratic. */
const MAX_GROWTH_PER_TENFOLD = 30;

export async function expectLinearGrowth(
  label: string,
  run: (size: number) => unknown,
  sizes: readonly number[] = [10_000, 100_000, 1_000_000],
): Promise<void> {
  let previous: number | null = null;
  // The first calls compile the code; they would make the smallest size look slow.
  await bestOf(3, () => run(sizes[0]!));
  for (const size of sizes) {
    const cost = await bestOf(5, () => run(size));
    if (previous !== null) {
      // A floor of a millisecond keeps timer granularity and a stray pause from deciding the ratio.
      const growth = cost / Math.max(previous, 1);
      expect(growth, `${label}: ${size} cost ${cost.toFixed(1)} ms, ${growth.toFixed(1)}× the previous size`).toBeLessThan(
        MAX_GROWTH_PER_TENFOLD,
      );
    }
    previous = cost;
  }
}

/**
 * The least CPU time (user + system, in ms) of `times` runs. CPU time, not wall time: on a busy machine a short
 * run finishes within one time slice while a long one waits between several, which would inflate the ratio.
 */
async function bestOf(times: number, run: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}
