import { useEffect, useRef, useState } from 'react';
import type { EngineState, KaituhiApi, ModelsState } from '../../electron/shared/api.js';

/** The model store's state as the services push it; null until the first answer. */
export function useModelsState(api: Pick<KaituhiApi, 'models' | 'onModels'>): ModelsState | null {
  const [state, setState] = useState<ModelsState | null>(null);
  useEffect(() => {
    let current = true;
    const unsubscribe = api.onModels((next) => current && setState(next));
    void api.models
      .getModels()
      .then((first) => current && setState((pushed) => pushed ?? first))
      .catch(() => undefined);
    return () => {
      current = false;
      unsubscribe();
    };
  }, [api]);
  return state;
}

/**
 * First run: nothing installed and no model folder in use, so the Models panel (with its picker) opens by itself,
 * once per launch. The writer can close it and keep writing; the download goes on.
 */
export function useOpenModelsOnFirstRun(models: ModelsState | null, engine: EngineState, open: () => void): void {
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current || models === null) return;
    opened.current = true;
    if (models.models.length === 0 && engine.modelDir === null && engine.status === 'no-model') open();
  }, [models, engine, open]);
}
