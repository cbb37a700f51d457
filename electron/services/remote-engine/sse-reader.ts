/**
 * Server-sent events, as the completions API streams them: the `data:` payload of each event, in order. Only what
 * the API uses is read (`data` lines, comments and other fields are skipped); a line longer than the bound ends the
 * stream with an error instead of growing a buffer without end.
 */

/** One event's data; a completions chunk is a few hundred bytes, its logprobs a few kilobytes. */
const MAX_LINE_CHARS = 1 << 20;

export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let newline = nextLineEnd(buffer);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      // A CRLF pair is one line end.
      buffer = buffer.slice(buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? newline + 2 : newline + 1);
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
      newline = nextLineEnd(buffer);
    }
    if (buffer.length > MAX_LINE_CHARS) throw new Error(`the server sent a line of more than ${MAX_LINE_CHARS} characters`);
  }
  buffer += decoder.decode();
  if (buffer.startsWith('data:')) data.push(buffer.slice(buffer[5] === ' ' ? 6 : 5));
  if (data.length > 0) yield data.join('\n');
}

function nextLineEnd(text: string): number {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr < 0) return lf;
  if (lf < 0) return cr === text.length - 1 ? -1 : cr; // a lone CR at the end may be half of a CRLF
  return Math.min(lf, cr);
}
