import { loadModel } from '../../engine/model/load-model.js';
import { BanList } from '../../engine/bans.js';
import { generateWith, validateRequest } from '../../engine/generate.js';
import { inspectContextWith } from '../../engine/context-view.js';
import type { GenerateRequest, SamplerSettings, TokenAlternatives } from '../../engine/types.js';
import { generateRequestSchema } from '../../common/generation.js';
import { errorMessage } from '../../common/error-message.js';
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { modelHelp, modelLoadOptions, modelOptions } from '../model-options.js';
import { baseSampler, steeringHelp, steeringOptions, steeringRequest } from '../steering-options.js';
import { contextJson, storyContextFrom, storyContextHelp, storyContextOptions } from './story-context.js';

/** The flag a request field comes from, so that a refused value is named as the writer typed it. */
const FLAGS: Record<string, string> = {
  memory: '--memory',
  'note.depth': '--note-depth',
  note: '--note',
  lorebook: '--lorebook',
  maxTokens: '--max-tokens',
  candidates: '--candidates',
  topAlternatives: '--logprobs',
  after: '--after',
  bans: '--ban',
  banRegexes: '--ban-regex',
  bias: '--bias',
  'sampler.temperature': '--temperature',
  'sampler.topK': '--top-k',
  'sampler.topP': '--top-p',
  'sampler.minP': '--min-p',
  'sampler.repetitionPenalty': '--repetition-penalty',
  'sampler.seed': '--seed',
  'sampler.dry.multiplier': '--dry-multiplier',
  'sampler.dry.base': '--dry-base',
  'sampler.dry.allowedLength': '--dry-allowed-length',
  'sampler.dry.sequenceBreakers': '--dry-breaker',
};

/** The request as the engine will parse it; a value out of bounds is a UsageError naming its flag. */
function checkedRequest(request: GenerateRequest): GenerateRequest {
  const parsed = generateRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p) => typeof p === 'string').join('.');
    const flag = Object.keys(FLAGS).find((key) => path === key || path.startsWith(`${key}.`));
    throw new UsageError(`${flag ? FLAGS[flag] : path || 'the request'}: ${issue.message}`);
  }
  try {
    BanList.create(parsed.data.bans, parsed.data.banRegexes);
  } catch (error) {
    throw new UsageError(`--ban-regex: ${errorMessage(error)}`);
  }
  return parsed.data;
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
    ...modelHelp,
    ...steeringHelp,
    '  --json                   print prompt ids, token ids with logprobs (and alternatives), the candidates, the device',
    '                           and timings as JSON',
    ...storyContextHelp,
    '  --help, -h               this help',
    '',
  ].join('\n'),
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandArgs(argv, {
      ...modelOptions,
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      'min-p': { type: 'string' },
      'repetition-penalty': { type: 'string' },
      seed: { type: 'string' },
      candidates: { type: 'string' },
      ...steeringOptions,
      greedy: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...storyContextOptions,
    });
    if (!values.model) throw new UsageError('--model DIR is required');
    if (values.prompt === undefined) throw new UsageError('--prompt TEXT is required');
    const base = await baseSampler(values);
    const sampler: SamplerSettings = {
      ...base,
      greedy: values.greedy || base.greedy,
      temperature: numberOption('temperature', values.temperature, base.temperature),
      topK: numberOption('top-k', values['top-k'], base.topK, true),
      topP: numberOption('top-p', values['top-p'], base.topP),
      minP: numberOption('min-p', values['min-p'], base.minP),
      repetitionPenalty: numberOption('repetition-penalty', values['repetition-penalty'], values.greedy ? 1 : base.repetitionPenalty),
      ...(values.seed !== undefined ? { seed: numberOption('seed', values.seed, 0, true) } : {}),
    };
    const candidates = numberOption('candidates', values.candidates, 1, true);
    const request = checkedRequest({
      ...(await storyContextFrom(values)),
      context: values.prompt,
      maxTokens: numberOption('max-tokens', values['max-tokens'], 50, true),
      candidates,
      ...steeringRequest(values, sampler),
    });
    const loadOptions = modelLoadOptions({ ...values, model: values.model });
    const model = await loadModel(loadOptions);
    if (values['show-context']) {
      validateRequest(request, model.decoder.contextWindow);
      process.stdout.write(contextJson(inspectContextWith(model, request)));
      await model.release();
      return 0;
    }
    const promptIds = model.tokenizer.encode(values.prompt);
    const tokens: { candidate: number; id: number; logprob: number; text: string; alternatives?: TokenAlternatives }[] = [];
    const texts: string[] = Array.from({ length: candidates }, () => '');
    const finished: { candidate: number; text: string; reason: string; joiningScore?: number }[] = [];
    let stats: unknown = null;
    for await (const event of generateWith(model, request)) {
      if (event.type === 'token') {
        const { candidate, tokenId: id, logprob, text, alternatives } = event;
        if (id >= 0) tokens.push({ candidate, id, logprob, text, ...(alternatives ? { alternatives } : {}) });
        texts[event.candidate] += event.text;
        if (!values.json && candidates === 1) process.stdout.write(event.text);
      } else if (event.type === 'done') {
        const { candidate, text, reason, joiningScore } = event;
        finished.push({ candidate, text, reason, ...(joiningScore === undefined ? {} : { joiningScore }) });
      } else stats = event;
    }
    // With text after the cursor, the candidate that leads into it best comes first; otherwise in candidate order.
    const ranked = [...finished].sort((a, b) => (b.joiningScore ?? -Infinity) - (a.joiningScore ?? -Infinity) || a.candidate - b.candidate);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ model: model.info, promptIds, tokens, texts, candidates: ranked, stats }, null, 2)}\n`);
    } else if (candidates > 1) {
      for (const c of ranked) {
        const score = c.joiningScore === undefined ? '' : ` (joining score ${c.joiningScore.toFixed(3)})`;
        process.stdout.write(`--- candidate ${c.candidate + 1}${score}\n${c.text}\n`);
      }
    } else process.stdout.write('\n');
    await model.release();
    return 0;
  },
};
