import type { RuntimeFields } from '@pio/core';
import type { Command } from 'commander';
import { dtype, nonNegativeInteger, positiveInteger } from '../parse-args.js';

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
  /** `--variant`: the graph file of an exported ONNX folder. */
  variant?: string;
}

/** Adds `--dtype`, `--threads`, `--context`, `--cache-dir` and `--variant` to a command. */
export function addRuntimeOptions(command: Command): Command {
  return command
    .option('--dtype <dtype>', 'weights: float32, int8 or int4', dtype)
    .option('--threads <n>', 'onnxruntime threads (0: all cores)', nonNegativeInteger)
    .option('--context <n>', 'context length (prompt + generation)', positiveInteger)
    .option('--cache-dir <dir>', 'where built graphs are cached')
    .option(
      '--variant <name>',
      'exported ONNX folders: which onnx/model_*.onnx to run (fp32, fp16, q8, q4, ... or a file name)',
    );
}

/** The runtime fields the parsed flags ask for. */
export function runtimeFrom(options: RuntimeFlagOptions): Partial<RuntimeFields> & { variant?: string } {
  return {
    ...(options.variant ? { variant: options.variant } : {}),
    ...(options.dtype ? { dtype: options.dtype } : {}),
    ...(options.threads !== undefined ? { numThreads: options.threads } : {}),
    ...(options.context !== undefined ? { maxContextLength: options.context } : {}),
  };
}
