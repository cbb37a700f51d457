/**
 * A STREAM-like memory bandwidth figure: the best of several large copies (TypedArray.set is a memcpy),
 * counting bytes read plus bytes written. Arrays are far larger than the caches.
 */
export function measureBandwidth(megabytes = 512, repeats = 6): number {
  const n = (megabytes * 1024 * 1024) / 8;
  const src = new Float64Array(n).fill(1);
  const dst = new Float64Array(n);
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    dst.set(src);
    best = Math.min(best, performance.now() - t);
  }
  return (2 * n * 8) / (best / 1000);
}
