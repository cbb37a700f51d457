/**
 * Generated test models, made once per checkout under test/.fixtures (git-ignored) and reused by every
 * test file. Written to a temporary folder and renamed into place, so concurrent test files never see
 * half a model.
 */
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestModel, type MakeTestModelOptions } from '../../models/make-test-model.js';
import type { TestModelShape } from '../../models/test-model-shapes.js';

export const FIXTURES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.fixtures');

export async function testModel(
  name: string,
  options: {
    shape?: TestModelShape;
    seed?: number;
    format?: 'safetensors' | 'onnx';
    onnxFiles?: MakeTestModelOptions['onnxFiles'];
    tokenizer?: MakeTestModelOptions['tokenizer'];
  } = {},
): Promise<string> {
  const dir = path.join(FIXTURES_DIR, name);
  try {
    await access(path.join(dir, 'config.json'));
    return dir;
  } catch {
    // not made yet
  }
  await mkdir(FIXTURES_DIR, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await makeTestModel({
    shape: options.shape ?? 'tiny',
    seed: options.seed ?? 1,
    outDir: tmp,
    format: options.format ?? 'safetensors',
    ...(options.onnxFiles ? { onnxFiles: options.onnxFiles } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
  try {
    await rename(tmp, dir);
  } catch {
    // Another test file made it first; theirs is identical (same seed).
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The tiny checkpoint every engine test starts from. */
export function tinyCheckpoint(): Promise<string> {
  return testModel('tiny-seed1');
}
