import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultCacheDir } from '@pio/core';
import { type RandomCheckpointOptions, writeRandomCheckpoint } from './checkpoint/write-random-checkpoint.js';

/**
 * The random demo checkpoint's recipe (`pio demo --random`; plain `pio demo` runs `@pio/demo-model`): a small Llama (4 layers, hidden 128, grouped
 * key/value heads, tied embeddings) with the real GPT-2 tokenizer. Random
 * weights speak gibberish: the demo shows the path, not the prose. Changing
 * it means changing {@link demoCheckpointName} too.
 */
export const demoCheckpointOptions: RandomCheckpointOptions = {
  arch: 'llama',
  tokenizer: 'gpt2',
  seed: 2026,
  config: {
    hidden_size: 128,
    intermediate_size: 384,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 2048,
    tie_word_embeddings: true,
  },
};

/** The demo checkpoint's folder name; versioned so a changed recipe never reuses an old folder. */
export const demoCheckpointName = 'llama-demo-v1';

/** Where the demo checkpoint lives: `<cacheDir>/demo/llama-demo-v1` (`defaultCacheDir()` by default). */
export function demoCheckpointDir(cacheDir: string = defaultCacheDir()): string {
  return join(cacheDir, 'demo', demoCheckpointName);
}

/** What {@link ensureDemoCheckpoint} found or did. */
export interface DemoCheckpoint {
  /** The checkpoint folder. */
  dir: string;
  /** True when it was written now, false when it was already there. */
  written: boolean;
}

/**
 * Writes the demo checkpoint unless it is already there (about 27 MB, well
 * under a second). It is written into a temporary folder that is renamed into
 * place, so an interrupted run never leaves a half-written checkpoint.
 *
 * @param dir - The folder; {@link demoCheckpointDir} by default.
 * @throws WeightFileError when a file cannot be written.
 */
export async function ensureDemoCheckpoint(dir: string = demoCheckpointDir()): Promise<DemoCheckpoint> {
  if (existsSync(join(dir, 'config.json'))) return { dir, written: false };
  const temporary = `${dir}.partial-${process.pid}`;
  await mkdir(dirname(dir), { recursive: true });
  try {
    await writeRandomCheckpoint(temporary, demoCheckpointOptions);
    await rename(temporary, dir);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    // Another process finished first: its checkpoint is the same.
    if (existsSync(join(dir, 'config.json'))) return { dir, written: false };
    throw error;
  }
  return { dir, written: true };
}
