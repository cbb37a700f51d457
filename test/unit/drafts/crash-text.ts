// The texts the crash test alternates between; big enough that a kill often lands mid-write.
const a = 'She opened the door and the wind came in. 风从门外吹进来。🌬️\n'.repeat(1200);
const b = 'Nothing moved in the house but the clock. 屋里只有钟在走。⏳\n'.repeat(1500);

export function crashText(i: number): string {
  return `iteration ${i}\n${i % 2 === 0 ? a : b}`;
}

/** The iteration a text belongs to, or null if it is not exactly one of ours (torn, empty, mixed). */
export function crashIteration(text: string): number | null {
  const m = /^iteration (\d+)\n/.exec(text);
  if (!m) return null;
  const i = Number(m[1]);
  return text === crashText(i) ? i : null;
}
