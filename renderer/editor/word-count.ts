const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null;

/**
 * Words as a writer counts them. Intl.Segmenter knows that Chinese and Japanese have no spaces between
 * words; where it is missing, runs of non-space characters are a fair stand-in.
 */
export function countWords(text: string): number {
  if (!segmenter) return text.match(/\S+/g)?.length ?? 0;
  let count = 0;
  for (const segment of segmenter.segment(text)) if (segment.isWordLike) count += 1;
  return count;
}
