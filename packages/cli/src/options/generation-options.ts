import type { GenerateOptions } from '@pio/core';
import type { Command } from 'commander';
import { collect, describeRange, type NumberRange, numberIn } from '../parse-args.js';

const probability: NumberRange = { min: 0, max: 1 };
const penalty: NumberRange = { min: -2, max: 2 };

/**
 * The sampling flags of `pio run` and `pio chat`, each named after the
 * {@link GenerateOptions} field it sets (commander camel-cases the flag), with
 * the range the engine accepts: a value outside it is refused while the
 * arguments are parsed, before any model loads. The one list both commands
 * and {@link generateOptionsFrom} read.
 */
const generationFlags = [
  {
    key: 'maxNewTokens',
    flags: '-n, --max-new-tokens <n>',
    description: 'most tokens to generate (default: what fits in the context, at most 256)',
    range: { integer: true, min: 1 },
  },
  {
    key: 'temperature',
    flags: '-t, --temperature <t>',
    description: 'sampling temperature; 0 is greedy',
    range: { min: 0 },
  },
  {
    key: 'topK',
    flags: '--top-k <k>',
    description: 'keep the k most likely tokens (0: off)',
    range: { integer: true, min: 0 },
  },
  {
    key: 'topP',
    flags: '--top-p <p>',
    description: 'keep the most likely tokens up to probability mass p (1: off)',
    range: { min: 0, minExclusive: true, max: 1 },
  },
  {
    key: 'minP',
    flags: '--min-p <p>',
    description: 'drop tokens below p times the top probability (0: off)',
    range: probability,
  },
  {
    key: 'repetitionPenalty',
    flags: '--repetition-penalty <r>',
    description: 'penalize tokens already seen (1 = off)',
    range: { min: 0, minExclusive: true },
  },
  { key: 'presencePenalty', flags: '--presence-penalty <x>', description: 'OpenAI presence penalty', range: penalty },
  {
    key: 'frequencyPenalty',
    flags: '--frequency-penalty <x>',
    description: 'OpenAI frequency penalty',
    range: penalty,
  },
  {
    key: 'seed',
    flags: '--seed <n>',
    description: 'seed for reproducible sampling',
    range: { integer: true, min: 0, max: 2 ** 32 - 1 },
  },
] as const satisfies readonly { key: keyof GenerateOptions; flags: string; description: string; range: NumberRange }[];

/** The {@link GenerateOptions} fields that have a flag of their own. */
export type GenerationFlag = (typeof generationFlags)[number]['key'];

/** Sampling options as commander parses them (`--stop` is repeatable). */
export interface GenerationFlagOptions extends Pick<GenerateOptions, GenerationFlag> {
  /** `--stop <text>`, every occurrence. */
  stop?: string[];
}

/** Adds the sampling flags (and `--stop`) to a command. */
export function addGenerationOptions(command: Command): Command {
  for (const flag of generationFlags) {
    command.option(flag.flags, `${flag.description}; ${describeRange(flag.range)}`, numberIn(flag.range));
  }
  return command.option('--stop <text>', 'stop when this text appears (repeatable)', collect);
}

/** The {@link GenerateOptions} the parsed flags ask for (absent flags stay absent: the checkpoint's defaults apply). */
export function generateOptionsFrom(options: GenerationFlagOptions): GenerateOptions {
  const generateOptions: GenerateOptions = options.stop?.length ? { stop: options.stop } : {};
  for (const { key } of generationFlags) {
    if (options[key] !== undefined) generateOptions[key] = options[key];
  }
  return generateOptions;
}
