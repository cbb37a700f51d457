/**
 * Scoring a text on a server. The completions API gives every prompt token's logprob when asked for `echo` with
 * `logprobs` (vLLM, `kaituhi serve`; llama.cpp and KoboldCpp do not), so the text goes in pieces that fit the
 * server's window, each after as much of what precedes it as fits, as the local engine's sliding windows read it.
 * Token ids are the server's secret (-1 here), and a rank is exact only within the top logprobs the server sends:
 * beyond them it reads one more than their count.
 */
import type { ScoreRequest } from '../../common/generation.js';
import type { ScoredToken, ScoreResult, TokenAlternative } from '../../engine/index.js';
import { MAX_REMOTE_LOGPROBS, type EchoAnswer } from './completions-wire.js';

export interface EchoScoring {
  /** POSTs a completions body (not streamed) and returns the checked answer. */
  complete(body: object, signal?: AbortSignal): Promise<EchoAnswer>;
  /** The most characters a prompt may have on this server. */
  readonly budgetChars: number;
  readonly model: string | null;
}

/** The scores, or null when the server does not give the prompt's own logprobs. */
export async function scoreByEcho(scoring: EchoScoring, request: ScoreRequest, signal?: AbortSignal): Promise<ScoreResult | null> {
  const started = performance.now();
  const before = (request.memory ?? '') + request.context;
  const { text } = request;
  const top = Math.min(MAX_REMOTE_LOGPROBS, Math.max(1, request.topAlternatives ?? 0));
  const budget = Math.max(64, scoring.budgetChars);
  const tokens: ScoredToken[] = [];
  let pieces = 0;
  for (let from = 0; from < text.length;) {
    const preceding = before + text.slice(0, from);
    const lead = leadingText(preceding, Math.floor(budget / 2));
    const to = pieceEnd(text, from, budget - lead.length);
    const prompt = lead + text.slice(from, to);
    const answer = await scoring.complete(
      { ...(scoring.model ? { model: scoring.model } : {}), prompt, max_tokens: 1, echo: true, logprobs: top, temperature: 0 },
      signal,
    );
    const scored = pieceTokens(answer, lead.length, prompt.length, from, request.topAlternatives ?? 0);
    if (scored === null) return null;
    tokens.push(...scored);
    pieces++;
    from = to;
  }
  const total = tokens.reduce((sum, token) => sum + token.logprob, 0);
  return {
    tokens,
    perplexity: tokens.length > 0 ? Math.exp(-total / tokens.length) : null,
    stats: { contextTokens: 0, reusedTokens: 0, windows: pieces, chunks: pieces, scoreMs: performance.now() - started },
  };
}

/** The end of what precedes a piece that fits `room` characters, starting on a word where it is cut. */
function leadingText(preceding: string, room: number): string {
  if (preceding.length <= room) return preceding;
  const cut = preceding.slice(preceding.length - room);
  const space = cut.search(/\s/);
  return space >= 0 && space < 64 ? cut.slice(space) : cut;
}

/** Where a piece from `from` ends: within `room` characters, after a whitespace where one is near the end. */
function pieceEnd(text: string, from: number, room: number): number {
  const limit = from + Math.max(16, room);
  if (limit >= text.length) return text.length;
  const space = text.lastIndexOf(' ', limit);
  return space > from + room / 2 ? space : limit;
}

/** The piece's tokens (those starting in [leadChars, promptChars)), placed in the text; null without prompt logprobs. */
function pieceTokens(answer: EchoAnswer, leadChars: number, promptChars: number, from: number, alternatives: number): ScoredToken[] | null {
  const logprobs = answer.choices[0]!.logprobs;
  // An echo starts at the prompt's first character and holds the prompt's tokens and the one generated; a server
  // that ignores echo sends the generated token alone.
  if (!logprobs || logprobs.tokens.length < 2 || logprobs.text_offset[0] !== 0) return null;
  const scored: ScoredToken[] = [];
  for (let i = 0; i < logprobs.tokens.length; i++) {
    const offset = logprobs.text_offset[i];
    const logprob = logprobs.token_logprobs[i];
    if (offset === undefined || offset < leadChars || offset >= promptChars || logprob === null || logprob === undefined) continue;
    const text = logprobs.tokens[i]!;
    const likeliest: TokenAlternative[] = Object.entries(logprobs.top_logprobs?.[i] ?? {})
      .map(([alternative, value]) => ({ tokenId: -1, text: alternative, logprob: value }))
      .sort((a, b) => b.logprob - a.logprob);
    const found = likeliest.findIndex((alternative) => alternative.text === text);
    scored.push({
      tokenId: -1,
      text,
      offset: from + offset - leadChars,
      logprob,
      rank: found >= 0 ? found + 1 : likeliest.length + 1,
      ...(alternatives > 0 ? { top: likeliest.slice(0, alternatives) } : {}),
    });
  }
  return scored;
}
