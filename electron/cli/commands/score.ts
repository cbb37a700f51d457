import { readFile } from 'node:fs/promises';
import { LocalEngine } from '../../engine/engine.js';
import type { ScoreRequest } from '../../engine/types.js';
import { errorMessage } from '../../common/error-message.js';
import { GENERATION_LIMITS, scoreRequestSchema } from '../../common/generation.js';
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { modelHelp, modelLoadOptions, modelOptions } from '../model-options.js';

export const scoreCommand: Command = {
  summary: 'read a text with a local GPT-2: every token’s log-probability and rank, and the perplexity',
  help: [
    'usage: kaituhi score --model DIR (--text TEXT | --file FILE) [options]',
    '',
    'Reads the text as the model would while writing it and prints, for every token, its log-probability (the',
    'model’s raw log-softmax: no sampler, no penalties) and its rank (1: the model’s likeliest token), then the',
    'perplexity. Each token reads as much of what precedes it as fits the model’s window.',
    '',
    'options:',
    '  --model DIR              the model folder (required)',
    '  --text TEXT              the text to score',
    '  --file FILE              or a UTF-8 file holding it',
    `  --context TEXT           text before it, read but not scored (the story so far)`,
    '  --memory TEXT            notes pinned ahead of the context, as in the app',
    `  --logprobs N             also each token's N likeliest alternatives (at most ${GENERATION_LIMITS.topAlternatives.max})`,
    ...modelHelp,
    '  --json                   print {tokens: [{tokenId, text, offset, logprob, rank}], perplexity, stats} as JSON',
    '  --help, -h               this help',
    '',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandArgs(argv, {
      ...modelOptions,
      text: { type: 'string' },
      file: { type: 'string' },
      context: { type: 'string' },
      memory: { type: 'string' },
      logprobs: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (!values.model) throw new UsageError('--model DIR is required');
    if ((values.text === undefined) === (values.file === undefined))
      throw new UsageError('give the text to score with --text TEXT or --file FILE (one of them)');
    const loadOptions = modelLoadOptions({ ...values, model: values.model });
    let text = values.text;
    if (text === undefined) {
      try {
        text = await readFile(values.file!, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${values.file}: ${errorMessage(error)}`, { cause: error });
      }
    }
    const parsed = scoreRequestSchema.safeParse({
      context: values.context ?? '',
      text,
      ...(values.memory !== undefined ? { memory: values.memory } : {}),
      ...(values.logprobs !== undefined ? { topAlternatives: numberOption('logprobs', values.logprobs, 0, true) } : {}),
    } satisfies ScoreRequest);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const flag = { text: values.file === undefined ? '--text' : '--file', topAlternatives: '--logprobs' }[String(issue.path[0])];
      const hint =
        issue.path[0] === 'text' && issue.code === 'too_big' ? ` (score it in parts; --context carries the text before each part)` : '';
      throw new UsageError(`${flag ?? `--${String(issue.path[0])}`}: ${issue.message}${hint}`);
    }
    const engine = await LocalEngine.load(loadOptions);
    try {
      const result = await engine.score(parsed.data);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const t of result.tokens) {
          process.stdout.write(`${t.logprob.toFixed(3).padStart(9)}  #${String(t.rank).padEnd(6)} ${JSON.stringify(t.text)}\n`);
        }
        const perplexity = result.perplexity === null ? 'none (no tokens)' : result.perplexity.toFixed(3);
        process.stdout.write(`perplexity ${perplexity} over ${result.tokens.length} tokens\n`);
      }
    } finally {
      await engine.close();
    }
    return 0;
  },
};
