import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../errors.js';
import { GPT2_CONFIG_LIMITS } from '../formats/gpt2-config.js';
import { BYTE_TO_CHAR } from './byte-alphabet.js';
import { ByteLevelBpeTokenizer } from './byte-level-bpe.js';
import { byteLevelBpeTokenizerJson, checkMerges, parseMerges, wordPieceTokenizerJson } from './convert.js';
import type { TextTokenizer } from './types.js';
import { speedUpByteLevel } from './fast-byte-level.js';
import { WordPieceTokenizer } from './word-piece.js';
import { errorMessage } from '../../common/error-message.js';

type Json = Record<string, unknown>;

const FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'vocab.txt'] as const;
const SUPPORTED = 'Kaituhi reads GPT-2 byte-level BPE and BERT WordPiece tokenizers';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelLoadError(file, `cannot be read: ${errorMessage(err)}`);
  }
}

function parseJsonObject(file: string, text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(file, `is not valid JSON: ${errorMessage(err)}`);
  }
  if (!isObject(value)) throw new ModelLoadError(file, 'is not a JSON object');
  return value;
}

/** tokenizer_config.json writes a token either as a string or as {content: string}. */
function tokenName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['content'] === 'string') return value['content'];
  return null;
}

interface Source {
  file: string;
  json: Json;
}

async function readSource(dir: string, config: Json): Promise<Source> {
  const tokenizerFile = join(dir, 'tokenizer.json');
  const tokenizerText = await readText(tokenizerFile);
  if (tokenizerText !== null) return { file: tokenizerFile, json: parseJsonObject(tokenizerFile, tokenizerText) };

  const vocabFile = join(dir, 'vocab.json');
  const vocabText = await readText(vocabFile);
  if (vocabText !== null) {
    const mergesFile = join(dir, 'merges.txt');
    const mergesText = await readText(mergesFile);
    if (mergesText === null) throw new ModelLoadError(mergesFile, 'is missing', 'vocab.json needs merges.txt beside it');
    const vocab = parseJsonObject(vocabFile, vocabText);
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || (id as number) < 0) {
        throw new ModelLoadError(vocabFile, `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`);
      }
    }
    const ids = vocab as Record<string, number>;
    const merges = parseMerges(mergesText);
    try {
      checkMerges(merges, new Map(Object.entries(ids)));
    } catch (err) {
      throw new ModelLoadError(mergesFile, errorMessage(err));
    }
    const specials = ['<|endoftext|>', ...['bos_token', 'eos_token', 'unk_token', 'pad_token'].map((k) => tokenName(config[k]))];
    const unique = [...new Set(specials.filter((t): t is string => t !== null))];
    return { file: vocabFile, json: byteLevelBpeTokenizerJson(ids, merges, unique) as Json };
  }

  const vocabTxtFile = join(dir, 'vocab.txt');
  const vocabTxt = await readText(vocabTxtFile);
  if (vocabTxt !== null) {
    const lowercase = typeof config['do_lower_case'] === 'boolean' ? config['do_lower_case'] : true;
    return { file: vocabTxtFile, json: wordPieceTokenizerJson(vocabTxt, lowercase) as Json };
  }

  throw new ModelLoadError(dir, 'has no tokenizer', 'expected tokenizer.json, or vocab.json with merges.txt');
}

/** Every component of a (possibly Sequence) pre-tokenizer or decoder. */
function components(value: unknown): Json[] {
  if (!isObject(value)) return [];
  const nested = value['pretokenizers'] ?? value['decoders'];
  return Array.isArray(nested) ? nested.flatMap(components) : [value];
}

function modelType(model: Json): string {
  if (typeof model['type'] === 'string') return model['type'];
  // Files written before `tokenizers` 0.10 left the type out.
  if ('merges' in model) return 'BPE';
  if ('continuing_subword_prefix' in model && isObject(model['vocab'])) return 'WordPiece';
  return Array.isArray(model['vocab']) ? 'Unigram' : 'unknown';
}

function classify({ file, json }: Source): TextTokenizer['kind'] {
  const model = json['model'];
  if (!isObject(model)) throw new ModelLoadError(file, 'has no "model" object');
  const type = modelType(model);
  if (type === 'WordPiece') return 'wordpiece';
  if (type !== 'BPE') throw new ModelLoadError(file, `uses a ${type} tokenizer model`, SUPPORTED);
  const byteLevel = [...components(json['pre_tokenizer']), ...components(json['decoder'])].some((c) => c['type'] === 'ByteLevel');
  if (!byteLevel) throw new ModelLoadError(file, 'is a BPE tokenizer without the byte-level alphabet (SentencePiece-style?)', SUPPORTED);
  if (!isObject(model['vocab']) || !Array.isArray(model['merges']))
    throw new ModelLoadError(file, 'has a BPE model without vocab and merges');
  return 'byte-level-bpe';
}

/**
 * The special token a post-processor puts before a single text (TemplateProcessing's "[CLS] $A [SEP]",
 * BertProcessing's and RobertaProcessing's `cls`), or null when the text starts bare (GPT-2's ByteLevel).
 */
function startMarker(postProcessor: unknown, idOf: (name: string) => number | null): number | null {
  if (!isObject(postProcessor)) return null;
  const type = postProcessor['type'];
  if (type === 'Sequence' && Array.isArray(postProcessor['processors'])) {
    for (const p of postProcessor['processors']) {
      const id = startMarker(p, idOf);
      if (id !== null) return id;
    }
    return null;
  }
  if (type === 'BertProcessing' || type === 'RobertaProcessing') {
    const cls = postProcessor['cls'];
    return Array.isArray(cls) && typeof cls[1] === 'number' ? cls[1] : null;
  }
  if (type !== 'TemplateProcessing' || !Array.isArray(postProcessor['single'])) return null;
  const first: unknown = postProcessor['single'][0];
  const special = isObject(first) ? first['SpecialToken'] : undefined;
  if (!isObject(special) || typeof special['id'] !== 'string') return null;
  const name = special['id'];
  const declared = isObject(postProcessor['special_tokens']) ? postProcessor['special_tokens'][name] : undefined;
  const ids = isObject(declared) ? declared['ids'] : undefined;
  // A template may name several ids for one marker; a model that starts with more than one is beyond this rule.
  if (Array.isArray(ids) && ids.length === 1 && typeof ids[0] === 'number') return ids[0];
  return idOf(name);
}

/**
 * Token ids size arrays (the tokenizer library's and ours, indexed by id), so they are checked before anything is
 * built from them: whole numbers below the vocabulary limit, one token each in the vocabulary, running from 0
 * without a gap.
 */
function checkTokenIds({ file, json }: Source): void {
  const limit = GPT2_CONFIG_LIMITS.vocab_size;
  const seen = new Set<number>();
  const take = (what: string, token: unknown, id: unknown): void => {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= limit) {
      const detail =
        typeof id === 'number' && Number.isSafeInteger(id) && id >= limit ? `; ids go up to ${limit - 1}` : ', not a whole number from 0';
      throw new ModelLoadError(file, `${what} ${JSON.stringify(token)} has id ${JSON.stringify(id) ?? String(id)}${detail}`);
    }
    seen.add(id);
  };
  const vocab = (json['model'] as Json)['vocab'];
  const owners = new Map<unknown, string>();
  if (isObject(vocab)) {
    for (const [token, id] of Object.entries(vocab)) {
      take('token', token, id);
      const owner = owners.get(id);
      if (owner !== undefined)
        throw new ModelLoadError(file, `tokens ${JSON.stringify(owner)} and ${JSON.stringify(token)} both have id ${String(id)}`);
      owners.set(id, token);
    }
  }
  const added = json['added_tokens'];
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) throw new ModelLoadError(file, '"added_tokens" is not a list');
    for (const entry of added) {
      if (!isObject(entry) || typeof entry['content'] !== 'string')
        throw new ModelLoadError(file, 'an entry of "added_tokens" has no "content" text');
      take('added token', entry['content'], entry['id']);
    }
  }
  for (let id = 0; id < seen.size; id++)
    if (!seen.has(id)) throw new ModelLoadError(file, `no token has id ${id}, though higher ids exist`);
}

/** The pipeline stages the library builds by their "type": each is absent, null, or an object that names one. */
function checkStages({ file, json }: Source): void {
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
    const stage = json[key];
    if (stage === undefined || stage === null || (isObject(stage) && typeof stage['type'] === 'string')) continue;
    throw new ModelLoadError(file, `"${key}" is ${JSON.stringify(stage).slice(0, 60)}, not an object with a "type"`, SUPPORTED);
  }
}

function build(source: Source, config: Json): TextTokenizer {
  const kind = classify(source);
  checkTokenIds(source);
  checkStages(source);
  const { json } = source;
  // The library insists on every section being present; older files leave the empty ones out.
  const complete = {
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    ...json,
    added_tokens: Array.isArray(json['added_tokens']) ? json['added_tokens'] : [],
  };
  let hf: Tokenizer;
  try {
    hf = new Tokenizer(complete, config);
  } catch (err) {
    throw new ModelLoadError(source.file, `cannot be used: ${errorMessage(err)}`, SUPPORTED);
  }
  const idOf = (name: string | null): number | null => (name === null ? null : (hf.token_to_id(name) ?? null));
  if (kind === 'byte-level-bpe') {
    // Any text is some bytes, and each byte must have a token; otherwise encode would hand the model a hole.
    const missing = BYTE_TO_CHAR.filter((c) => hf.token_to_id(c) === undefined);
    if (missing.length > 0) {
      throw new ModelLoadError(source.file, `lacks ${missing.length} of the 256 byte tokens (first: ${JSON.stringify(missing[0])})`);
    }
    const pre = json['pre_tokenizer'];
    speedUpByteLevel(hf, isObject(pre) ? pre['type'] : null);
    return new ByteLevelBpeTokenizer(
      hf,
      idOf(tokenName(config['eos_token'])) ?? idOf('<|endoftext|>'),
      startMarker(json['post_processor'], idOf),
    );
  }
  if (hf.model?.unk_token_id === undefined) {
    throw new ModelLoadError(source.file, 'has a WordPiece model without an unknown token in its vocabulary');
  }
  const model = json['model'] as Json;
  const prefix = typeof model['continuing_subword_prefix'] === 'string' ? model['continuing_subword_prefix'] : '##';
  // These models end a text with [SEP]: their config.json names GPT-2's 50256, which they do not have.
  return new WordPieceTokenizer(
    hf,
    idOf(tokenName(config['sep_token'])) ?? idOf('[SEP]'),
    startMarker(json['post_processor'], idOf),
    prefix,
  );
}

async function loadUncached(dir: string): Promise<TextTokenizer> {
  const configFile = join(dir, 'tokenizer_config.json');
  const configText = await readText(configFile);
  const config = configText === null ? {} : parseJsonObject(configFile, configText);
  return build(await readSource(dir, config), config);
}

/** A few models at most: vocabularies take tens of MB each once parsed. */
const CACHE_LIMIT = 4;
const cache = new Map<string, Promise<TextTokenizer>>();

/** Same files (the same inodes, unchanged since: size, mtime, ctime): same tokenizer, whichever folder links them. */
async function cacheKey(dir: string): Promise<string> {
  const stamps = await Promise.all(
    FILES.map((f) =>
      stat(join(dir, f)).then(
        (s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`,
        () => '-',
      ),
    ),
  );
  return stamps.join('|');
}

/**
 * Loads a model folder's tokenizer: tokenizer.json, else vocab.json + merges.txt (or BERT's vocab.txt)
 * converted in memory. Loading parses tens of thousands of merges, so repeated loads of unchanged files share one.
 */
export async function loadTokenizer(modelDir: string): Promise<TextTokenizer> {
  const dir = resolve(modelDir);
  const key = await cacheKey(dir);
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = loadUncached(dir);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    while (cache.size > CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  } else {
    // Most recently used goes last.
    cache.delete(key);
    cache.set(key, pending);
  }
  return pending;
}
