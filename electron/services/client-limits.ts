/**
 * What one client may hold of the services at once: a browser tab over the WebSocket (and, for
 * generations, the Electron window too). Every per-client cap lives here; the server and the API
 * session read them from this one object.
 */
import { MAX_DRAFT_CHARS, MAX_MODEL_SPANS } from '../common/drafts.js';
import { MAX_TEXT_CHARS } from '../common/generation.js';

/** UTF-8 spends at most 3 bytes on one UTF-16 code unit (a 4-byte character is two units). */
const MAX_UTF8_BYTES_PER_CHAR = 3;
/** One model span as the editor sends it, at its longest, with its comma. */
const MAX_SPAN_JSON_BYTES = JSON.stringify({ start: MAX_DRAFT_CHARS, end: MAX_DRAFT_CHARS }).length + 1;

/**
 * The largest message a client sends: a whole draft of the longest allowed length, every character a
 * 3-byte one (Chinese, Japanese), sent once after a missed change, with every model span it may carry and
 * room for the rest of the message.
 */
const MAX_FRAME_BYTES = MAX_DRAFT_CHARS * MAX_UTF8_BYTES_PER_CHAR + MAX_MODEL_SPANS * MAX_SPAN_JSON_BYTES + 65_536;

export const CLIENT_LIMITS = {
  /** WebSocket connections the server holds at once: a writer's few tabs with room to spare, never a flood. */
  maxConnections: 8,
  /** Bytes in one WebSocket frame; a bigger one is refused from its header (close code 1009), before it arrives. */
  maxFrameBytes: MAX_FRAME_BYTES,
  /**
   * Bytes a connection may leave unread (ws's bufferedAmount, checked before each message). The services
   * answer with messages as large as the largest a client sends (a whole draft), and a comparison with a
   * snapshot carries two texts; a reader further behind than that is stuck, and is closed (code 1008).
   */
  maxUnreadBytes: 2 * MAX_FRAME_BYTES,
  /** After closing a stuck reader, how long it has to read the rest and the reason before the socket is cut. */
  slowReaderGraceMs: 10_000,
  /** Generations one client may have running or waiting; the editor needs two (inline + continue selection). */
  generationsPerClient: 4,
  /** Generations across every client: the engine runs them one after another, so more would only wait. */
  generationsOverall: 8,
  /**
   * Completions API requests running or waiting (they also take places in generationsOverall): fewer than the
   * overall places, so that API clients can never take the editor's last two. One more gets 429.
   */
  apiGenerations: 6,
  /** A completions request's body: the longest prompt, every character a 3-byte one, and room for the parameters. */
  maxApiBodyBytes: MAX_TEXT_CHARS * MAX_UTF8_BYTES_PER_CHAR + 65_536,
  /**
   * Texts one client may have being scored at once (surprise highlighting needs one; a rescoring after an edit
   * may overlap the cancelled one for a moment). Scoring yields to generations, but it still holds the engine.
   */
  scoringsPerClient: 2,
} as const;

/** The places for generations across every client, shared by all sessions of one launch. */
export class GenerationSlots {
  #taken = 0;

  constructor(readonly capacity: number = CLIENT_LIMITS.generationsOverall) {}

  /** Takes a place, or says false when all are taken; give it back when the generation ends. */
  take(): boolean {
    if (this.#taken >= this.capacity) return false;
    this.#taken += 1;
    return true;
  }

  giveBack(): void {
    this.#taken = Math.max(0, this.#taken - 1);
  }
}
