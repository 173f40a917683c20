import type { Command } from 'commander';
import type { RuntimeFields } from '@pio/core';
import { dtype, integer } from '../parse-args.js';

/** Load options of the commands that open a checkpoint, as commander parses them. */
export interface RuntimeFlagOptions {
  /** `--dtype`. */
  dtype?: RuntimeFields['dtype'];
  /** `--threads`. */
  threads?: number;
  /** `--context`. */
  context?: number;
  /** `--cache-dir`. */
  cacheDir?: string;
}

/** Adds `--dtype`, `--threads`, `--context` and `--cache-dir` to a command. */
export function addRuntimeOptions(command: Command): Command {
  return command
    .option('--dtype <dtype>', 'weights: float32, int8 or int4', dtype)
    .option('--threads <n>', 'onnxruntime threads (0: all cores)', integer)
    .option('--context <n>', 'context length (prompt + generation)', integer)
    .option('--cache-dir <dir>', 'where built graphs are cached');
}

/** The runtime fields the parsed flags ask for. */
export function runtimeFrom(options: RuntimeFlagOptions): Partial<RuntimeFields> {
  return {
    ...(options.dtype ? { dtype: options.dtype } : {}),
    ...(options.threads !== undefined ? { numThreads: options.threads } : {}),
    ...(options.context !== undefined ? { maxContextLength: options.context } : {}),
  };
}
