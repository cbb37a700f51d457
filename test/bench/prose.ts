/** Deterministic English prose for benchmarks: realistic token statistics without shipping a corpus. */
const subjects = [
  'The keeper',
  'Her brother',
  'The old woman',
  'A boy from the village',
  'The captain',
  'Nobody on the pier',
  'The doctor',
  'Aroha',
];
const verbs = ['watched', 'remembered', 'carried', 'followed', 'answered', 'ignored', 'mended', 'counted'];
const objects = [
  'the lamp above the rocks',
  'a letter she had never opened',
  'the nets along the shore',
  'the long road to the harbour',
  'the bells of the chapel',
  'the storm coming in from the west',
  'his father’s coat',
  'the last boat of the season',
];
const tails = [
  'before the light failed.',
  'as if nothing had happened.',
  'and said nothing at all.',
  'while the rain went on.',
  'until the tide turned.',
  '“Not tonight,” she said.',
  'and the gulls rose crying.',
  'without looking back.',
];

export function prose(words: number, seed = 1): string {
  let x = seed >>> 0;
  const pick = <T>(list: readonly T[]): T => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return list[(x >>> 16) % list.length]!;
  };
  const out: string[] = [];
  let count = 0;
  while (count < words) {
    const sentence = `${pick(subjects)} ${pick(verbs)} ${pick(objects)} ${pick(tails)}`;
    out.push(sentence);
    count += sentence.split(' ').length;
    if (out.length % 5 === 0) out.push('\n\n');
  }
  return out.join(' ').replace(/ \n\n /g, '\n\n');
}
