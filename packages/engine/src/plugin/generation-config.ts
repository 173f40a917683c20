import { join } from 'node:path';
import { readJsonObjectFile } from '@pio/core';

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
  const json = await readJsonObjectFile(join(checkpointDir, 'generation_config.json'), { optional: true });
  if (!json) return { eosTokenIds: [] };
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
