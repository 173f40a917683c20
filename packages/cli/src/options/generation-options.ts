import type { Command } from 'commander';
import type { GenerateOptions } from '@pio/core';
import { collect, integer, number } from '../parse-args.js';

/**
 * The sampling flags of `pio run` and `pio chat`, each named after the
 * {@link GenerateOptions} field it sets (commander camel-cases the flag).
 * The one list both commands and {@link generateOptionsFrom} read.
 */
const generationFlags = [
  { key: 'maxNewTokens', flags: '-n, --max-new-tokens <n>', description: 'most tokens to generate', parse: integer },
  { key: 'temperature', flags: '-t, --temperature <t>', description: 'sampling temperature; 0 is greedy', parse: number },
  { key: 'topK', flags: '--top-k <k>', description: 'keep the k most likely tokens', parse: integer },
  { key: 'topP', flags: '--top-p <p>', description: 'keep the most likely tokens up to probability mass p', parse: number },
  { key: 'minP', flags: '--min-p <p>', description: 'drop tokens below p times the top probability', parse: number },
  { key: 'repetitionPenalty', flags: '--repetition-penalty <r>', description: 'penalize tokens already seen (1 = off)', parse: number },
  { key: 'presencePenalty', flags: '--presence-penalty <x>', description: 'OpenAI presence penalty', parse: number },
  { key: 'frequencyPenalty', flags: '--frequency-penalty <x>', description: 'OpenAI frequency penalty', parse: number },
  { key: 'seed', flags: '--seed <n>', description: 'seed for reproducible sampling', parse: integer },
] as const satisfies readonly { key: keyof GenerateOptions; flags: string; description: string; parse: (value: string) => number }[];

/** The {@link GenerateOptions} fields that have a flag of their own. */
export type GenerationFlag = (typeof generationFlags)[number]['key'];

/** Sampling options as commander parses them (`--stop` is repeatable). */
export interface GenerationFlagOptions extends Pick<GenerateOptions, GenerationFlag> {
  /** `--stop <text>`, every occurrence. */
  stop?: string[];
}

/** Adds the sampling flags (and `--stop`) to a command. */
export function addGenerationOptions(command: Command): Command {
  for (const flag of generationFlags) command.option(flag.flags, flag.description, flag.parse);
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
