/**
 * Tokenizing the whole window (about 5,000 characters) on every keystroke costs more than the decode step
 * it feeds. Text is cut into segments at positions no token can cross, each segment's ids are cached, and
 * only the segments a writer changed are encoded again.
 *
 * A cut goes before a space that follows a non-space and precedes a letter. For GPT-2's byte-level
 * pre-tokenizer no pre-token can run across it (letters, digits and punctuation runs take a space only at
 * their start; whitespace runs stop before a non-space), and BERT's pre-tokenizer splits at every space,
 * so encoding the segments one by one gives exactly the ids of encoding the text at once.
 * Cuts depend only on the text before them, so typing at the end leaves every earlier segment intact.
 */
const LETTER = /\p{L}/u;
const SPACE = /\s/u;

export function segmentText(text: string, segmentChars: number): string[] {
  const segments: string[] = [];
  let start = 0;
  let q = segmentChars;
  while (q < text.length - 1) {
    if (text[q] === ' ' && !SPACE.test(text[q - 1]!) && LETTER.test(text[q + 1]!)) {
      segments.push(text.slice(start, q));
      start = q;
      q += segmentChars;
    } else q++;
  }
  segments.push(text.slice(start));
  return segments;
}

export function createCachingEncoder(
  encode: (text: string) => number[],
  options: { segmentChars?: number; maxEntries?: number } = {},
): (text: string) => number[] {
  const segmentChars = options.segmentChars ?? 256;
  const maxEntries = options.maxEntries ?? 8192;
  // Map keeps insertion order: re-inserting on a hit makes the oldest entry the least recently used.
  const cache = new Map<string, number[]>();
  return (text) => {
    const ids: number[] = [];
    for (const segment of segmentText(text, segmentChars)) {
      let cached = cache.get(segment);
      if (cached) cache.delete(segment);
      else cached = encode(segment);
      cache.set(segment, cached);
      for (const id of cached) ids.push(id);
    }
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    return ids;
  };
}
