/**
 * GPT-2's byte-level alphabet: every byte has a printable stand-in character, so a vocabulary of strings can
 * hold arbitrary byte sequences (and therefore half a UTF-8 character).
 */

function buildByteToChar(): string[] {
  const printable: number[] = [];
  const ranges: Array<[number, number]> = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) printable.push(b);
  const table = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + shifted++);
  }
  return table;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/**
 * The bytes a vocabulary entry stands for, or null when it is not written in the byte alphabet (an added token
 * such as a custom marker, whose text is literal).
 */
export function tokenBytes(token: string): Uint8Array | null {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i] ?? '');
    if (b === undefined) return null;
    bytes[i] = b;
  }
  return bytes;
}

export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

export function bytesToAlphabet(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b];
  return out;
}
