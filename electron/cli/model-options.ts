/**
 * The flags that say which model to run and where, shared by `kaituhi generate` and `kaituhi score`: the folder, the
 * precision and the execution providers, parsed into the engine's load options.
 */
import { PRECISIONS } from '../common/generation.js';
import type { EngineLoadOptions, Precision } from '../engine/types.js';
import { UsageError } from './command.js';

export const modelOptions = {
  model: { type: 'string' },
  precision: { type: 'string' },
  device: { type: 'string', multiple: true },
} as const;

export const modelHelp = [
  `  --precision P            ${PRECISIONS.join(', ')} (which variant of an ONNX export, or what a checkpoint is built at)`,
  '  --device D               an execution provider to try (repeatable; e.g. cpu, cuda)',
];

/** The load options the flags name; a precision the engine does not know is a UsageError. */
export function modelLoadOptions(values: { model: string; precision?: string; device?: string[] }): EngineLoadOptions {
  const precision = values.precision as Precision | undefined;
  if (precision && !PRECISIONS.includes(precision)) throw new UsageError(`--precision must be one of ${PRECISIONS.join(', ')}`);
  return {
    modelDir: values.model,
    ...(precision ? { precision } : {}),
    ...(values.device ? { devices: values.device } : {}),
  };
}
