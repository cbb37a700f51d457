import { parseArgs } from 'node:util';
import { loadModel } from '../../engine/model/load-model.js';
import { generateWith } from '../../engine/generate.js';
import { DEFAULT_SAMPLER, type GenerateRequest, type Precision, type SamplerSettings } from '../../engine/types.js';
import { PRECISIONS } from '../../common/generation.js';

function numberOption(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  return value;
}

export const generateCommand = {
  summary: 'continue a prompt with a local GPT-2 (streams text; --json for ids, logprobs and timings)',
  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      options: {
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
      },
      strict: true,
    });
    if (!values.model) throw new Error('--model DIR is required');
    if (values.prompt === undefined) throw new Error('--prompt TEXT is required');
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
      context: values.prompt,
      maxTokens: numberOption('max-tokens', values['max-tokens'], 50, true),
      candidates,
      sampler,
    };
    const precision = values.precision as Precision | undefined;
    if (precision && !PRECISIONS.includes(precision)) throw new Error(`--precision must be one of ${PRECISIONS.join(', ')}`);
    const model = await loadModel({
      modelDir: values.model,
      ...(precision ? { precision } : {}),
      ...(values.device ? { devices: values.device } : {}),
    });
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
