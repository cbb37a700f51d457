import { loadModel } from '../../engine/model/load-model.js';
import { generateWith, validateRequest } from '../../engine/generate.js';
import { inspectContextWith } from '../../engine/context-view.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type Precision, type SamplerSettings } from '../../engine/types.js';
import { PRECISIONS } from '../../common/generation.js';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { contextJson, storyContextFrom, storyContextHelp, storyContextOptions } from './story-context.js';

function numberOption(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  return value;
}

export const generateCommand: Command = {
  summary: 'continue a prompt with a local GPT-2 (streams text; --json for ids, logprobs and timings)',
  help: [
    'usage: kaituhi generate --model DIR --prompt TEXT [options]',
    '',
    'Continues TEXT with the model in DIR (a GPT-2 ONNX export or a Hugging Face checkpoint) and streams the words.',
    '',
    'options:',
    '  --model DIR              the model folder (required)',
    '  --prompt TEXT            the text to continue (required)',
    '  --max-tokens N           how many tokens to add (default 50)',
    '  --candidates N           independent continuations, decoded as one batch (default 1)',
    '  --temperature X, --top-k N, --top-p X, --min-p X, --repetition-penalty X',
    '                           the sampler (defaults as in the app)',
    '  --greedy                 always the likeliest token',
    '  --seed N                 the same seed gives the same text',
    `  --precision P            ${PRECISIONS.join(', ')} (which variant of an ONNX export, or what a checkpoint is built at)`,
    '  --device D               an execution provider to try (repeatable; e.g. cpu, cuda)',
    '  --json                   print prompt ids, token ids with logprobs, the device and timings as JSON',
    ...storyContextHelp,
    '  --help, -h               this help',
    '',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandArgs(argv, {
      model: { type: 'string' },
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      'min-p': { type: 'string' },
      'repetition-penalty': { type: 'string' },
      seed: { type: 'string' },
      candidates: { type: 'string' },
      precision: { type: 'string' },
      device: { type: 'string', multiple: true },
      greedy: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...storyContextOptions,
    });
    if (!values.model) throw new UsageError('--model DIR is required');
    if (values.prompt === undefined) throw new UsageError('--prompt TEXT is required');
    const sampler: SamplerSettings = {
      ...DEFAULT_SAMPLER,
      greedy: values.greedy ?? false,
      temperature: numberOption('temperature', values.temperature, DEFAULT_SAMPLER.temperature),
      topK: numberOption('top-k', values['top-k'], DEFAULT_SAMPLER.topK, true),
      topP: numberOption('top-p', values['top-p'], DEFAULT_SAMPLER.topP),
      minP: numberOption('min-p', values['min-p'], DEFAULT_SAMPLER.minP),
      repetitionPenalty: numberOption(
        'repetition-penalty',
        values['repetition-penalty'],
        values.greedy ? 1 : DEFAULT_SAMPLER.repetitionPenalty,
      ),
      ...(values.seed !== undefined ? { seed: numberOption('seed', values.seed, 0, true) } : {}),
    };
    const candidates = numberOption('candidates', values.candidates, 1, true);
    const request: GenerateRequest = {
      ...(await storyContextFrom(values)),
      context: values.prompt,
      maxTokens: numberOption('max-tokens', values['max-tokens'], 50, true),
      candidates,
      sampler,
    };
    const precision = values.precision as Precision | undefined;
    if (precision && !PRECISIONS.includes(precision)) throw new UsageError(`--precision must be one of ${PRECISIONS.join(', ')}`);
    const model = await loadModel({
      modelDir: values.model,
      ...(precision ? { precision } : {}),
      ...(values.device ? { devices: values.device } : {}),
    });
    if (values['show-context']) {
      validateRequest(request, model.decoder.contextWindow);
      process.stdout.write(contextJson(inspectContextWith(model, request)));
      await model.release();
      return 0;
    }
    const promptIds = model.tokenizer.encode(values.prompt);
    const tokens: { candidate: number; id: number; logprob: number; text: string }[] = [];
    const texts: string[] = Array.from({ length: candidates }, () => '');
    let stats: unknown = null;
    for await (const event of generateWith(model, request)) {
      if (event.type === 'token') {
        if (event.tokenId >= 0) tokens.push({ candidate: event.candidate, id: event.tokenId, logprob: event.logprob, text: event.text });
        texts[event.candidate] += event.text;
        if (!values.json && candidates === 1) process.stdout.write(event.text);
      } else if (event.type === 'stats') stats = event;
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ model: model.info, promptIds, tokens, texts, stats }, null, 2)}\n`);
    } else if (candidates > 1) {
      texts.forEach((t, i) => process.stdout.write(`--- candidate ${i + 1}\n${t}\n`));
    } else process.stdout.write('\n');
    await model.release();
    return 0;
  },
};
