/** The one model `kaituhi serve` offers through the completions API: whatever the engine runs now. */
import type { EngineState } from '../../shared/api.js';

export interface ServedModel {
  /** The name clients pass as `model`: the model folder's name, or the name a server engine gave. */
  readonly id: string;
  /** Tokens in the model's window; null when a server engine did not say. */
  readonly contextWindow: number | null;
}

/** The model ready to serve, or null while none is (no model, loading, failed). */
export function servedModel(state: EngineState): ServedModel | null {
  if (state.status !== 'ready' && state.status !== 'restarting') return null;
  if (state.remote) return state.remote.model === null ? null : { id: state.remote.model, contextWindow: state.remote.contextWindow };
  return state.info ? { id: state.info.modelName, contextWindow: state.info.contextWindow } : null;
}

/**
 * `GET /v1/models`, in OpenAI's list shape. `max_model_len` is vLLM's name for the window, which clients that
 * size their prompts (Kaituhi's own server engine among them) read.
 */
export function modelList(state: EngineState, created: number) {
  const model = servedModel(state);
  return {
    object: 'list' as const,
    data: model
      ? [
          {
            id: model.id,
            object: 'model' as const,
            created,
            owned_by: 'kaituhi',
            ...(model.contextWindow !== null ? { max_model_len: model.contextWindow } : {}),
          },
        ]
      : [],
  };
}
