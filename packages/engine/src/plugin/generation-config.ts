import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '@pio/core';

/** The fields of `generation_config.json` the engine uses, in camelCase. */
export interface GenerationDefaults {
  /** `eos_token_id`: one id or several. */
  eosTokenIds: number[];
  /** `max_new_tokens`. */
  maxNewTokens?: number;
  /** `temperature` (used when `do_sample` is true). */
  temperature?: number;
  /** `top_k`. */
  topK?: number;
  /** `top_p`. */
  topP?: number;
  /** `repetition_penalty`. */
  repetitionPenalty?: number;
  /** `do_sample`: false means greedy. */
  doSample?: boolean;
}

/**
 * Reads a checkpoint's optional `generation_config.json`.
 *
 * @throws CheckpointError when the file exists but is not a JSON object.
 */
export async function readGenerationConfig(checkpointDir: string): Promise<GenerationDefaults> {
  const file = join(checkpointDir, 'generation_config.json');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { eosTokenIds: [] };
    throw new CheckpointError({ file, reason: `it is not valid JSON (${(cause as Error).message})`, cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError({ file, reason: 'it must hold a JSON object' });
  }
  const eos = json.eos_token_id;
  const number = (key: string) => (typeof json[key] === 'number' ? (json[key] as number) : undefined);
  const defaults: GenerationDefaults = {
    eosTokenIds: typeof eos === 'number' ? [eos] : Array.isArray(eos) ? eos.filter((id) => typeof id === 'number') : [],
  };
  const fields: [keyof GenerationDefaults, string][] = [
    ['maxNewTokens', 'max_new_tokens'],
    ['temperature', 'temperature'],
    ['topK', 'top_k'],
    ['topP', 'top_p'],
    ['repetitionPenalty', 'repetition_penalty'],
  ];
  for (const [field, key] of fields) {
    const value = number(key);
    if (value !== undefined) (defaults as unknown as Record<string, unknown>)[field] = value;
  }
  if (typeof json.do_sample === 'boolean') defaults.doSample = json.do_sample;
  return defaults;
}
