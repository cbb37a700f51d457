/** The manifest inside every installed model folder: what it is, where it came from, and what each file should be. */
import { z } from 'zod';
import { precisionSchema } from '../common/generation.js';

const FileEntry = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string().min(1),
  name: z.string().min(1),
  format: z.enum(['onnx', 'checkpoint']),
  /** Precisions present as files (ONNX variants) or stored in the checkpoint. */
  precisions: z.array(precisionSchema).min(1),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('catalog'), variantId: z.string(), modelId: z.string(), repo: z.string(), revision: z.string() }),
    z.object({ kind: z.literal('import'), from: z.string() }),
  ]),
  files: z.array(FileEntry),
  totalBytes: z.number().int().nonnegative(),
  installedAt: z.string(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
