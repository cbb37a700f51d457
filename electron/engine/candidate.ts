/**
 * One candidate of a generation: how its next token is chosen (penalties, DRY, phrase bias and the tokens banned
 * at this position, then the sampler), and what happens to a token once chosen: its text is checked against the
 * bans, held back while a ban could still claim it, and then released through the stop rules as token events.
 *
 * A ban the text completes rolls the candidate back to the token where the match begins (bans.ts); the generator
 * (generate.ts) then continues it on its own, since the batch decodes its candidates in step. Released text is
 * never taken back, so a streamed token is final.
 */
import type { GenerateRequest } from '../common/generation.js';
import { alternativesAt } from './alternatives.js';
import { BanList, PositionBans } from './bans.js';
import type { DryPenalty } from './dry.js';
import type { PhraseBias } from './phrase-bias.js';
import { applyPenalties, sampleAdjusted, type Rng } from './sampling.js';
import { StopDetector } from './stopping.js';
import { tokenTexts } from './token-texts.js';
import type { StreamDecoder, TextTokenizer } from './tokenizer/index.js';
import type { GenerationEvent, StopReason, TokenAlternative, TokenAlternatives } from './types.js';

/** Rollbacks one candidate may make before it ends where it stands (a model that keeps steering into bans). */
export const MAX_ROLLBACKS = 256;

/** What every candidate of a request shares: the request and its compiled steering. */
export interface Steering {
  readonly request: GenerateRequest;
  readonly tokenizer: TextTokenizer;
  readonly eosTokenId: number | null;
  readonly dry: DryPenalty | null;
  readonly bias: PhraseBias | null;
  readonly bans: BanList | null;
  readonly topAlternatives: number;
}

export interface Choice {
  readonly tokenId: number;
  readonly logprob: number;
  /** The alternatives at this position, before the token's text is known. */
  readonly alternatives: { readonly logprob: number; readonly top: readonly TokenAlternative[] } | null;
}

type DoneEvent = Extract<GenerationEvent, { type: 'done' }>;

/** After a token: go on, continue on its own from a rolled-back position, or ended (`done` set). */
export type Outcome = { readonly kind: 'continue' } | { readonly kind: 'rollback' } | { readonly kind: 'done'; readonly done: DoneEvent };

interface Committed {
  readonly tokenId: number;
  /** The token's text as the stream decoder gave it. */
  readonly piece: string;
  /** Where that text starts in the candidate's decoded text. */
  readonly offset: number;
  readonly logprob: number;
  readonly alternatives: TokenAlternatives | undefined;
}

export class CandidateRun {
  readonly index: number;
  readonly #rng: Rng;
  readonly #steering: Steering;
  readonly #prompt: readonly number[];
  /** Prompt and committed tokens: what the penalties look at. */
  readonly #history: number[];
  #stream: StreamDecoder;
  readonly #stop: StopDetector;
  readonly #positionBans = new PositionBans();
  /** The end of the text before the generation, which a ban may begin in. */
  readonly #lookbehind: string;
  readonly #tokens: Committed[] = [];
  /** The committed tokens' text. */
  #decoded = '';
  /** Tokens (and their characters) already released through the stop rules and streamed. */
  #released = 0;
  #releasedChars = 0;
  /** The text the stop rules let through: the candidate's text. */
  #text = '';
  /** Alternatives of the released tokens, for the `done` of a request that does not stream. */
  readonly #releasedAlternatives: TokenAlternatives[] = [];

  constructor(index: number, rng: Rng, prompt: readonly number[], steering: Steering) {
    this.index = index;
    this.#rng = rng;
    this.#steering = steering;
    this.#prompt = prompt;
    this.#history = [...prompt];
    this.#stream = steering.tokenizer.createStreamDecoder();
    const { request } = steering;
    this.#stop = new StopDetector({ stopStrings: request.stopStrings, stopAt: request.stopAt, precedingText: request.context });
    this.#lookbehind = steering.bans ? request.context.slice(-BanList.LOOKBEHIND) : '';
  }

  /** The tokens this candidate has written so far (after the prompt). */
  get generated(): readonly number[] {
    return this.#history.slice(this.#prompt.length);
  }

  /** Chooses the next token from a row of raw logits, which it adjusts in place. */
  choose(logits: Float32Array): Choice {
    const { request, dry, bias, topAlternatives, tokenizer } = this.#steering;
    applyPenalties(logits, this.#history, request.sampler);
    dry?.apply(logits, this.#history);
    bias?.apply(logits, this.#history);
    this.#positionBans.apply(logits, this.#tokens.length);
    const { tokenId, logprob } = sampleAdjusted(logits, request.sampler, this.#rng);
    // Sampling only reads the logits, so the row still holds what it saw: the alternatives come from it.
    const texts = topAlternatives > 0 ? tokenTexts(tokenizer) : null;
    const alternatives = texts ? alternativesAt(logits, topAlternatives, tokenId, (id) => texts[id] ?? '') : null;
    return { tokenId, logprob, alternatives };
  }

  /** Takes the chosen token: events to stream, and what comes next. */
  accept(choice: Choice): { events: GenerationEvent[]; outcome: Outcome } {
    if (choice.tokenId === this.#steering.eosTokenId) return this.#end('eos');
    const piece = this.#stream.push(choice.tokenId);
    const offset = this.#decoded.length;
    const alternatives = choice.alternatives ? { tokenId: choice.tokenId, text: piece, offset, ...choice.alternatives } : undefined;
    this.#tokens.push({ tokenId: choice.tokenId, piece, offset, logprob: choice.logprob, alternatives });
    this.#history.push(choice.tokenId);
    this.#decoded += piece;
    if (this.#rolledBack(false)) return this.#afterRollback();
    const events: GenerationEvent[] = [];
    const stop = this.#release(events, false);
    if (stop) return { events, outcome: this.#finish(events, stop) };
    if (this.#tokens.length >= this.#steering.request.maxTokens) {
      const end = this.#end('length');
      return { events: [...events, ...end.events], outcome: end.outcome };
    }
    return { events, outcome: { kind: 'continue' } };
  }

  /** The generation was cancelled: what was held back is dropped. */
  abort(): { events: GenerationEvent[]; done: DoneEvent } {
    const events: GenerationEvent[] = [];
    const outcome = this.#finish(events, 'aborted');
    return { events, done: (outcome as { done: DoneEvent }).done };
  }

  /** The text ends here (end-of-text token or length): a ban at its very end is decided now. */
  #end(reason: 'eos' | 'length'): { events: GenerationEvent[]; outcome: Outcome } {
    if (this.#rolledBack(true)) return this.#afterRollback();
    const events: GenerationEvent[] = [];
    const stop = this.#release(events, true);
    if (!stop && reason === 'length') {
      // Bytes of a character the length cut in two.
      const tail = this.#stop.push(this.#stream.flush());
      this.#text += tail.emit;
      if (tail.emit && this.#streaming) events.push({ type: 'token', candidate: this.index, text: tail.emit, tokenId: -1, logprob: 0 });
      if (tail.stop) return { events, outcome: this.#finish(events, tail.stop) };
    }
    return { events, outcome: this.#finish(events, stop ?? reason) };
  }

  get #streaming(): boolean {
    return this.#steering.request.stream !== false;
  }

  /** Checks the bans; on a decided match, rolls back to the token where it begins. */
  #rolledBack(final: boolean): boolean {
    const bans = this.#steering.bans;
    if (!bans) return false;
    const text = this.#lookbehind + this.#decoded;
    const match = bans.firstMatch(text, this.#lookbehind.length + this.#releasedChars, final);
    if (!match) return false;
    const point = Math.max(match.start, this.#lookbehind.length + this.#releasedChars) - this.#lookbehind.length;
    let j = this.#released;
    while (j < this.#tokens.length - 1 && this.#tokens[j]!.offset + this.#tokens[j]!.piece.length <= point) j++;
    // Tokens that gave no text hold the first bytes of the character the match begins with.
    while (j > this.#released && this.#tokens[j - 1]!.piece === '') j--;
    // The rolled-back token's text before the match is text before the banned phrase: the next token keeps it.
    const prefix = this.#decoded.slice(this.#tokens[j]!.offset, point);
    this.#positionBans.ban(j, this.#tokens[j]!.tokenId, prefix, tokenTexts(this.#steering.tokenizer));
    this.#tokens.length = j;
    this.#history.length = this.#prompt.length + j;
    this.#stream = this.#steering.tokenizer.createStreamDecoder();
    for (const t of this.#tokens) this.#stream.push(t.tokenId);
    this.#decoded = this.#tokens.map((t) => t.piece).join('');
    return true;
  }

  #afterRollback(): { events: GenerationEvent[]; outcome: Outcome } {
    if (this.#positionBans.rollbacks <= MAX_ROLLBACKS) return { events: [], outcome: { kind: 'rollback' } };
    // The model keeps steering into bans: end before the last one began.
    const events: GenerationEvent[] = [];
    const stop = this.#release(events, true);
    return { events, outcome: this.#finish(events, stop ?? 'length') };
  }

  /** Streams the committed tokens no ban can claim any more (all of them when `final`); a stop they reach ends it. */
  #release(events: GenerationEvent[], final: boolean): StopReason | null {
    const bans = this.#steering.bans;
    const held = final || !bans ? 0 : bans.holdBack(this.#lookbehind + this.#decoded, this.#lookbehind.length + this.#releasedChars);
    const frontier = this.#decoded.length - held;
    while (this.#released < this.#tokens.length) {
      const t = this.#tokens[this.#released]!;
      if (t.offset + t.piece.length > frontier) break;
      this.#released++;
      this.#releasedChars = t.offset + t.piece.length;
      const check = this.#stop.push(t.piece);
      this.#text += check.emit;
      if (t.alternatives && !this.#streaming) this.#releasedAlternatives.push(t.alternatives);
      if (this.#streaming) {
        events.push({
          type: 'token',
          candidate: this.index,
          text: check.emit,
          tokenId: t.tokenId,
          logprob: t.logprob,
          ...(t.alternatives ? { alternatives: t.alternatives } : {}),
        });
      }
      if (check.stop) return check.stop;
    }
    return null;
  }

  #finish(events: GenerationEvent[], reason: StopReason): Outcome & { kind: 'done' } {
    const rest = reason === 'aborted' ? '' : this.#stop.flush();
    if (rest) {
      this.#text += rest;
      if (this.#streaming) events.push({ type: 'token', candidate: this.index, text: rest, tokenId: -1, logprob: 0 });
    }
    // Tokens cut off with a stop string or a boundary's trailing space are not part of the text.
    const tokens =
      !this.#streaming && this.#steering.topAlternatives > 0
        ? { tokens: this.#releasedAlternatives.filter((t) => t.offset < this.#text.length) }
        : {};
    return { kind: 'done', done: { type: 'done', candidate: this.index, reason, text: this.#text, ...tokens } };
  }
}
