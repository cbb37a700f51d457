/** The engine in the calling thread: one loaded model, one request at a time (the KV cache is shared state). */
import { generateWith, prefillWith } from './generate.js';
import { loadModel, type LoadedModel } from './model/load-model.js';
import type { Engine, EngineInfo, EngineLoadOptions, GenerateRequest, GenerationEvent, PrefillRequest, PrefillResult } from './types.js';

export class LocalEngine implements Engine {
  /** Requests run one after another; a new one waits until the previous has released the decoder. */
  private tail: Promise<void> = Promise.resolve();

  private constructor(private readonly model: LoadedModel) {}

  static async load(options: EngineLoadOptions): Promise<LocalEngine> {
    return new LocalEngine(await loadModel(options));
  }

  async info(): Promise<EngineInfo> {
    return this.model.info;
  }

  async countTokens(text: string): Promise<number> {
    return this.model.encode(text).length;
  }

  /** Waits for the decoder, then holds it until `release` is called. */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    const release = await this.acquire();
    try {
      yield* generateWith(this.model, request, signal);
    } finally {
      release();
    }
  }

  async prefill(request: PrefillRequest): Promise<PrefillResult> {
    const release = await this.acquire();
    try {
      return await prefillWith(this.model, request);
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.tail;
    await this.model.release();
  }
}

export function loadEngine(options: EngineLoadOptions): Promise<Engine> {
  return LocalEngine.load(options);
}
