import {
  type RandomCheckpoint,
  type RandomCheckpointOptions,
  writeRandomCheckpoint as writeCheckpoint,
} from '@pio/demo';

export type { RandomCheckpoint, RandomCheckpointOptions };

/**
 * `writeRandomCheckpoint` of `@pio/demo` (see there), with every tokenizer the
 * kit ships resolvable: `@pio/demo` installs only GPT-2's, the kit all three.
 */
export function writeRandomCheckpoint(dir: string, options: RandomCheckpointOptions): Promise<RandomCheckpoint> {
  return writeCheckpoint(dir, { tokenizerFrom: import.meta.url, ...options });
}
