/** The engine in the calling thread: one loaded model, one request at a time (the KV cache is shared state). */
import { generateWith } from './generate.js';
import { loadModel, type LoadedModel } from './model/load-model.js';
import type { Engine, EngineInfo, EngineLoadOptions, GenerateRequest, GenerationEvent } from './types.js';

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

  async *generate(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      yield* generateWith(this.model, request, signal);
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
