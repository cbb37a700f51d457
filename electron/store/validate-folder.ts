/**
 * A quick look at a folder before it is imported: the files the engine needs are there and look like what they
 * claim to be. It reads headers only (milliseconds even for a 6 GB checkpoint). The engine's full check (load the
 * graph, run a token) plugs in as a `DeepModelCheck`; see ModelStoreOptions.deepCheck.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Precision } from '../common/generation.js';
import { EXPECTED_ONNX_FILES, isExternalDataOf, onnxGraphPrecision, onnxLayouts } from '../common/onnx-layout.js';
import { CHECKPOINT_WEIGHTS, CONFIG_FILE, SIDE_FILES, tokenizerLayout, type ModelFormat, type TokenizerLayout } from './formats.js';

export interface WeightsFile {
  readonly path: string;
  readonly precision: Precision;
  readonly bytes: number;
}

export interface FolderValidation {
  readonly ok: boolean;
  readonly dir: string;
  readonly format: ModelFormat | null;
  readonly weights: readonly WeightsFile[];
  readonly tokenizer: TokenizerLayout | null;
  /** Relative paths an import copies: the weights, their external data, config and tokenizer files. */
  readonly files: readonly string[];
  readonly totalBytes: number;
  /** Sentences for the writer; empty when ok. */
  readonly problems: readonly string[];
}

/**
 * The hook for the engine's full check, e.g.
 *   async (dir) => { const engine = await loadEngine({ modelDir: dir }); await engine.close(); }
 * It throws (a ModelLoadError) when the model cannot run; the import then stops and installs nothing.
 */
export type DeepModelCheck = (dir: string) => Promise<void>;

/** Enough for any GPT-2 safetensors header (about 15 KB for 124M); more means a corrupt length field. */
const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;

async function listFiles(dir: string, rel = '', depth = 0): Promise<string[]> {
  if (depth > 2) return [];
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, child, depth + 1)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** ONNX is a protobuf ModelProto; its first byte is a field tag (ir_version is field 1, a varint: 0x08). */
async function checkOnnx(file: string, rel: string): Promise<string | null> {
  const head = await readHead(file, 1);
  const tag = head[0];
  if (tag === undefined) return `${rel} is empty`;
  const field = tag >> 3;
  const wire = tag & 7;
  if (field < 1 || field > 20 || (wire !== 0 && wire !== 2)) return `${rel} does not look like an ONNX file`;
  return null;
}

/** A GPT2LMHeadModel checkpoint: header length, JSON header with `wte.weight`, offsets that end at the end of the file. */
async function checkSafetensors(file: string, size: number): Promise<{ problem: string | null; precision: Precision }> {
  const fail = (problem: string): { problem: string; precision: Precision } => ({
    problem: `${CHECKPOINT_WEIGHTS}: ${problem}`,
    precision: 'fp32',
  });
  if (size < 8) return fail('too short to be a safetensors file');
  const lenBuf = await readHead(file, 8);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen <= 0 || headerLen > MAX_SAFETENSORS_HEADER || headerLen + 8 > size) return fail('the header length is corrupt');
  const head = await readHead(file, 8 + headerLen);
  let header: unknown;
  try {
    header = JSON.parse(head.subarray(8).toString('utf8'));
  } catch {
    return fail('the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the header is not a JSON object');
  const entries = Object.entries(header as Record<string, unknown>).filter(([k]) => k !== '__metadata__');
  let end = 0;
  for (const [name, info] of entries) {
    const offsets = (info as { data_offsets?: unknown } | null)?.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => typeof n === 'number'))
      return fail(`tensor ${name} has no data_offsets`);
    end = Math.max(end, offsets[1] as number);
  }
  if (8 + headerLen + end !== size)
    return fail(`the tensors end at byte ${8 + headerLen + end}, the file has ${size} (truncated download?)`);
  const wte = (header as Record<string, unknown>)['wte.weight'] ?? (header as Record<string, unknown>)['transformer.wte.weight'];
  if (wte === undefined) return fail('no wte.weight tensor: not a GPT-2 checkpoint');
  const dtype = (wte as { dtype?: unknown }).dtype;
  const precision: Precision = dtype === 'F16' || dtype === 'BF16' ? 'fp16' : 'fp32';
  return { problem: null, precision };
}

async function checkConfig(file: string): Promise<string | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return 'config.json is not valid JSON';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'config.json is not a JSON object';
  const obj = raw as Record<string, unknown>;
  if (obj.model_type !== undefined && obj.model_type !== 'gpt2')
    return `config.json says model_type "${String(obj.model_type)}"; Kaituhi runs GPT-2 models only`;
  if (typeof (obj.n_layer ?? obj.num_hidden_layers) !== 'number') return 'config.json has no n_layer: is this a GPT-2 config?';
  return null;
}

export async function validateModelFolder(dir: string): Promise<FolderValidation> {
  const abs = path.resolve(dir);
  const problems: string[] = [];
  const empty = (problem: string): FolderValidation => ({
    ok: false,
    dir: abs,
    format: null,
    weights: [],
    tokenizer: null,
    files: [],
    totalBytes: 0,
    problems: [problem],
  });
  try {
    if (!(await stat(abs)).isDirectory()) return empty(`${abs} is not a folder`);
  } catch {
    return empty(`${abs} does not exist`);
  }
  const all = await listFiles(abs);
  const present = new Set(all);
  const sizes = new Map<string, number>();
  for (const rel of all) sizes.set(rel, (await stat(path.join(abs, rel))).size);

  if (!present.has(CONFIG_FILE)) problems.push('config.json is missing');
  else {
    const problem = await checkConfig(path.join(abs, CONFIG_FILE));
    if (problem !== null) problems.push(problem);
  }
  const tokenizer = tokenizerLayout(present);
  if (tokenizer === null) problems.push('no tokenizer: tokenizer.json, or vocab.json with merges.txt, or vocab.txt');

  const weights: WeightsFile[] = [];
  let format: ModelFormat | null = null;
  // Every graph the engine would run from this folder (electron/common/onnx-layout.ts), each checked.
  const graphs = new Set(onnxLayouts(present).flatMap((layout) => (layout.noPast ? [layout.withPast, layout.noPast] : [layout.withPast])));
  for (const rel of all) {
    if (!graphs.has(rel)) continue;
    const problem = await checkOnnx(path.join(abs, rel), rel);
    if (problem !== null) problems.push(problem);
    else weights.push({ path: rel, precision: onnxGraphPrecision(rel)!, bytes: sizes.get(rel) ?? 0 });
  }
  if (weights.length > 0) format = 'onnx';
  else if (present.has(CHECKPOINT_WEIGHTS)) {
    const size = sizes.get(CHECKPOINT_WEIGHTS) ?? 0;
    const { problem, precision } = await checkSafetensors(path.join(abs, CHECKPOINT_WEIGHTS), size);
    if (problem !== null) problems.push(problem);
    else {
      weights.push({ path: CHECKPOINT_WEIGHTS, precision, bytes: size });
      format = 'checkpoint';
    }
  } else if (problems.every((p) => !p.includes('.onnx'))) {
    problems.push(`no model weights: expected model.safetensors, or ${EXPECTED_ONNX_FILES}`);
  }

  const files = new Set<string>(SIDE_FILES.filter((f) => present.has(f)));
  for (const w of weights) {
    files.add(w.path);
    for (const rel of all) if (isExternalDataOf(w.path, rel)) files.add(rel);
  }
  const list = [...files].sort();
  const totalBytes = list.reduce((sum, rel) => sum + (sizes.get(rel) ?? 0), 0);
  return { ok: problems.length === 0 && format !== null, dir: abs, format, weights, tokenizer, files: list, totalBytes, problems };
}
