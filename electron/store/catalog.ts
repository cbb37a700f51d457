/**
 * The catalog of known GPT-2 models (models/catalog.json): typed, and checked before anything trusts it, because
 * its paths become file names on disk and its hashes decide what gets installed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Precision } from '../engine/types.js';
import { chooseOnnxLayout } from '../common/onnx-layout.js';
import { CHECKPOINT_WEIGHTS, CONFIG_FILE, tokenizerLayout, type ModelFormat } from './formats.js';
import { precisionSchema } from '../common/generation.js';

const SHA256 = /^[0-9a-f]{64}$/;
/** Relative, forward slashes, no empty, `.` or `..` segment: safe to join under the store's folder. */
const REPO_PATH = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID = /^[a-z0-9][a-z0-9._-]*$/;

/** What a model writes best, shown in the picker (in the writer's language) beside its name. */
export const MODEL_USES = [
  'english-prose',
  'modern-chinese',
  'classical-chinese',
  'chinese-poetry',
  'chinese-couplets',
  'chinese-lyrics',
] as const;
export type ModelUse = (typeof MODEL_USES)[number];

/**
 * How a file's bytes are checked: against the catalog's own SHA-256, or against what the hub says at download time
 * (LFS files: SHA-256 in X-Linked-Etag; small git files: the git blob SHA-1 in ETag).
 */
export const VerifyMethod = z.enum(['sha256', 'hub-x-linked-etag', 'hub-etag']);
export type VerifyMethod = z.infer<typeof VerifyMethod>;

const CatalogFileSchema = z
  .object({
    path: z.string().regex(REPO_PATH),
    role: z.enum(['config', 'tokenizer', 'weights', 'generation-config']),
    /** Exact bytes, only where a published figure was found; otherwise the hub's X-Linked-Size decides. */
    size: z.number().int().positive().nullable(),
    /** For the picker and the disk check before the hub has been asked; required when `size` is null. */
    estimatedSize: z.number().int().positive().optional(),
    sha256: z.string().regex(SHA256).nullable(),
    verify: VerifyMethod,
    /** Where `size` / `sha256` came from, or why they are missing. */
    source: z.string().min(1),
    /** A 404 skips the file instead of failing the download (a fallback the engine does not need when another file is there). */
    optional: z.boolean().default(false),
  })
  .strict()
  .refine((f) => (f.sha256 === null) === (f.verify !== 'sha256'), {
    message: 'sha256 must be given exactly when verify is "sha256"; otherwise null with a hub verify method',
  })
  .refine((f) => f.size !== null || f.estimatedSize !== undefined, { message: 'a file without a known size needs estimatedSize' });

const VariantSchema = z
  .object({
    id: z.string().regex(ID),
    repo: z.string().regex(REPO),
    /**
     * The commit every file is fetched at: a branch could move under the catalog's hashes. A hub pull-request ref
     * (`refs/pr/N`) is accepted only where no commit was found and the weights are pinned by their SHA-256 instead.
     */
    revision: z
      .string()
      .regex(
        /^(?:[0-9a-f]{40}|refs\/pr\/\d{1,6})$/,
        'revision must be a 40-character commit hash (or refs/pr/N with pinned weights), not a branch or tag',
      ),
    /** Where the commit hash came from. */
    revisionSource: z.string().min(1),
    format: z.enum(['onnx', 'checkpoint']),
    precision: precisionSchema,
    files: z.array(CatalogFileSchema).min(1),
    note: z.string().optional(),
  })
  .strict()
  .refine((v) => !v.revision.startsWith('refs/pr/') || v.files.every((f) => f.role !== 'weights' || f.sha256 !== null), {
    message: 'a refs/pr/N revision can move: every weights file needs its SHA-256',
  });

const ModelSchema = z
  .object({
    id: z.string().regex(ID),
    name: z.string().min(1),
    /** Nominal parameter count, for estimates and the picker. */
    parameters: z.number().int().positive(),
    language: z.string().min(2),
    tokenizer: z.enum(['byte-level-bpe', 'wordpiece']),
    license: z.string().min(1),
    /** Optional so that catalogs written before it (`kaituhi serve --catalog FILE`) still load; the bundled one has it everywhere. */
    goodFor: z.enum(MODEL_USES).optional(),
    variants: z.array(VariantSchema).min(1),
  })
  .strict();

const CatalogSchema = z
  .object({
    $comment: z.string().optional(),
    schemaVersion: z.literal(1),
    models: z.array(ModelSchema).min(1),
  })
  .strict();

export type CatalogFile = z.infer<typeof CatalogFileSchema>;
export type CatalogVariant = z.infer<typeof VariantSchema>;
export type CatalogModel = z.infer<typeof ModelSchema>;
export type Catalog = z.infer<typeof CatalogSchema>;

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** Problems that the schema cannot see: the layout the engine needs, and unique ids. Empty when the variant is loadable. */
export function layoutProblems(variant: CatalogVariant): string[] {
  const problems: string[] = [];
  const paths = new Set(variant.files.map((f) => f.path));
  const required = new Set(variant.files.filter((f) => !f.optional).map((f) => f.path));
  if (paths.size !== variant.files.length) problems.push('a file is listed twice');
  if (!required.has(CONFIG_FILE)) problems.push('config.json is missing');
  if (tokenizerLayout(required) === null) problems.push('no tokenizer: tokenizer.json, vocab.json + merges.txt, or vocab.txt');
  const weights = variant.files.filter((f) => f.role === 'weights');
  if (weights.length !== 1) problems.push(`expected one weights file, found ${weights.length}`);
  for (const w of weights) {
    if (w.optional) problems.push(`${w.path}: the weights file cannot be optional`);
    if (variant.format === 'checkpoint') {
      if (w.path !== CHECKPOINT_WEIGHTS) problems.push(`${w.path}: a checkpoint is ${CHECKPOINT_WEIGHTS}`);
    } else {
      // The engine's own rule: a lone weights file must be a graph it runs by itself.
      const graphs = chooseOnnxLayout(new Set([w.path]), variant.precision);
      if (graphs === null) problems.push(`${w.path}: not an ONNX file name the engine looks for`);
      else if (graphs.precision !== variant.precision)
        problems.push(`${w.path} holds ${graphs.precision}, the variant says ${variant.precision}`);
    }
  }
  return problems;
}

export function parseCatalog(raw: unknown): Catalog {
  const result = CatalogSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new CatalogError(`models/catalog.json is not valid: ${first.join('; ')}`);
  }
  const catalog = result.data;
  const seen = new Set<string>();
  for (const model of catalog.models) {
    for (const id of [model.id, ...model.variants.map((v) => v.id)]) {
      if (seen.has(id)) throw new CatalogError(`models/catalog.json: id "${id}" is used twice`);
      seen.add(id);
    }
    for (const variant of model.variants) {
      const problems = layoutProblems(variant);
      if (problems.length > 0) throw new CatalogError(`models/catalog.json: ${variant.id}: ${problems.join('; ')}`);
    }
  }
  return catalog;
}

/** The catalog shipped with the app, next to this source in the repository (and in the asar when packaged). */
export const BUNDLED_CATALOG_PATH = fileURLToPath(new URL('../../models/catalog.json', import.meta.url));

export async function loadCatalog(file: string = BUNDLED_CATALOG_PATH): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CatalogError(`cannot read the model catalog at ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CatalogError(`${file} is not valid JSON`);
  }
  return parseCatalog(raw);
}

export interface VariantRef {
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
}

export function findVariant(catalog: Catalog, variantId: string): VariantRef | null {
  for (const model of catalog.models) {
    for (const variant of model.variants) if (variant.id === variantId) return { model, variant };
  }
  return null;
}

/** Exact where the catalog knows it, estimated otherwise; `exact` says which. */
export function variantDownloadSize(variant: CatalogVariant): { bytes: number; exact: boolean } {
  let bytes = 0;
  let exact = true;
  for (const f of variant.files) {
    if (f.optional) continue;
    if (f.size !== null) bytes += f.size;
    else {
      bytes += f.estimatedSize ?? 0;
      exact = false;
    }
  }
  return { bytes, exact };
}

export type { ModelFormat, Precision };
