/**
 * The ONNX exports the engine runs, as file names: the engine picks a model folder's graphs with these rules,
 * and the model store checks imports and catalog entries with the same ones, so an import is never refused for
 * a folder the engine loads (nor accepted for one it cannot).
 *
 * A folder holds either one graph that takes the past K/V (Optimum's `model.onnx`, or the legacy merged
 * decoder with `use_cache_branch`), or the split pair (`decoder_model.onnx` for the first pass,
 * `decoder_with_past_model.onnx` after it). Each comes in variants per precision, named by suffix as Optimum
 * and Transformers.js name them, inside `onnx/` (the hub's layout) or at the top of the folder (Optimum's).
 */
import type { Precision } from './generation.js';

/** Variant file suffixes per precision, best first. */
export const ONNX_VARIANT_SUFFIXES: Readonly<Record<Precision, readonly string[]>> = {
  fp32: [''],
  fp16: ['_fp16'],
  int8: ['_int8', '_quantized', '_uint8'],
  q4: ['_q4', '_q4f16'],
};

/** Which precision the engine tries when the writer asks for none: exact first, then the fast small ones. */
export const ONNX_PRECISION_ORDER: readonly Precision[] = ['fp32', 'int8', 'fp16', 'q4'];

/** Where graphs may sit, relative to the model folder ('' is its top). */
const FOLDERS = ['onnx', ''] as const;

const SINGLE_GRAPHS = ['model', 'decoder_model_merged'] as const;
const FIRST_PASS = 'decoder_model';
const WITH_PAST = 'decoder_with_past_model';

/** The graphs to load, as paths relative to the model folder ('/'-separated). */
export interface OnnxGraphs {
  readonly withPast: string;
  /** The split export's first-pass graph; null when one graph does both. */
  readonly noPast: string | null;
  readonly precision: Precision;
}

function inFolder(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

function precisionOrder(preferred: Precision | undefined): readonly Precision[] {
  return preferred ? [preferred, ...ONNX_PRECISION_ORDER.filter((p) => p !== preferred)] : ONNX_PRECISION_ORDER;
}

/** Every loadable set of graphs among `present` (relative paths), in the order the engine would prefer them. */
export function onnxLayouts(present: ReadonlySet<string>, preferred?: Precision): OnnxGraphs[] {
  const found: OnnxGraphs[] = [];
  for (const precision of precisionOrder(preferred)) {
    for (const suffix of ONNX_VARIANT_SUFFIXES[precision]) {
      for (const folder of FOLDERS) {
        for (const stem of SINGLE_GRAPHS) {
          const single = inFolder(folder, `${stem}${suffix}.onnx`);
          if (present.has(single)) found.push({ withPast: single, noPast: null, precision });
        }
        const withPast = inFolder(folder, `${WITH_PAST}${suffix}.onnx`);
        const noPast = inFolder(folder, `${FIRST_PASS}${suffix}.onnx`);
        if (present.has(withPast) && present.has(noPast)) found.push({ withPast, noPast, precision });
      }
    }
  }
  return found;
}

/** The graphs the engine runs from a folder holding `present`, trying `preferred` first; null when none is loadable. */
export function chooseOnnxLayout(present: ReadonlySet<string>, preferred?: Precision): OnnxGraphs | null {
  return onnxLayouts(present, preferred)[0] ?? null;
}

/** The precision of one graph file by its name, or null when the engine never looks for such a file. */
export function onnxGraphPrecision(relPath: string): Precision | null {
  const slash = relPath.lastIndexOf('/');
  const folder = slash < 0 ? '' : relPath.slice(0, slash);
  if (!(FOLDERS as readonly string[]).includes(folder)) return null;
  const base = relPath.slice(slash + 1);
  for (const precision of ONNX_PRECISION_ORDER) {
    for (const suffix of ONNX_VARIANT_SUFFIXES[precision]) {
      for (const stem of [...SINGLE_GRAPHS, FIRST_PASS, WITH_PAST]) if (base === `${stem}${suffix}.onnx`) return precision;
    }
  }
  return null;
}

/** An ONNX graph over 2 GB keeps its tensors beside it (`model.onnx_data`, `model.onnx.data`, `model.onnx_data_1`...). */
export function isExternalDataOf(graphPath: string, candidate: string): boolean {
  return candidate !== graphPath && (candidate.startsWith(`${graphPath}_data`) || candidate.startsWith(`${graphPath}.data`));
}

/** Names the engine looks for, for messages that say what was expected. */
export const EXPECTED_ONNX_FILES =
  'onnx/model.onnx (or a variant such as model_int8.onnx, model_q4f16.onnx), decoder_model_merged.onnx, or decoder_model.onnx with decoder_with_past_model.onnx';
