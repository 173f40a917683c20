import { type GenerationDelta, PioError } from '@pio/core';
import type { CliIo } from '../io.js';
import { type GenerationFlagOptions, generateOptionsFrom } from '../options/generation-options.js';
import type { RuntimeFlagOptions } from '../options/runtime-options.js';
import type { OpenedCheckpoint } from './open-checkpoint.js';
import { openWithProgress } from './open-with-progress.js';

/** Options of `pio run`, as commander parses them. */
export interface RunOptions extends GenerationFlagOptions, RuntimeFlagOptions {
  /** `--input-ids`: start from these ids instead of a prompt. */
  inputIds?: number[];
  /** `--json`: one JSON object instead of streamed text. */
  json?: boolean;
}

/**
 * `pio run <checkpoint> [prompt]`: streams a completion to stdout (or prints
 * one JSON object with `--json`).
 *
 * @returns the exit code.
 */
export async function runCommand(io: CliIo, checkpoint: string, promptWords: string[], options: RunOptions): Promise<number> {
  const prompt = promptWords.join(' ');
  if (!prompt && !options.inputIds) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: 'pio run needs a prompt or --input-ids.',
      hint: 'For example: pio run ./SmolLM2-135M "Once upon a time"',
    });
  }
  const opened = await openWithProgress(io, checkpoint, options);
  try {
    return await stream(io, opened, prompt, options);
  } finally {
    await opened.manager[Symbol.asyncDispose]();
  }
}

async function stream(io: CliIo, opened: OpenedCheckpoint, prompt: string, options: RunOptions): Promise<number> {
  const { plugin } = opened;
  const generateOptions = generateOptionsFrom(options);
  const promptIds = options.inputIds ?? plugin.tokenize(prompt);
  const deltas: AsyncIterable<GenerationDelta> = plugin.generate
    ? plugin.generate({ inputIds: promptIds }, generateOptions)
    : (async function* () {
        const result = await plugin.generateText({ inputIds: promptIds }, generateOptions);
        for (const tokenId of result.ids) yield { type: 'token' as const, tokenId, text: '' };
        yield { type: 'finish' as const, text: result.text, finishReason: result.finishReason, usage: result.usage };
      })();
  const ids: number[] = [];
  let text = '';
  if (!options.json && prompt) io.out(prompt);
  for await (const delta of deltas) {
    if (!options.json) io.out(delta.text);
    text += delta.text;
    if (delta.type === 'token') ids.push(delta.tokenId);
    else {
      const { usage, finishReason } = delta;
      if (options.json) {
        io.out(
          `${JSON.stringify({ plugin: opened.pluginName, promptIds, ids, text, finishReason, usage, loadMs: Math.round(opened.loadMs) })}\n`,
        );
      } else {
        io.out('\n');
        io.err(
          `\n${usage.completionTokens} tokens (${finishReason}) · load ${Math.round(opened.loadMs)} ms · first token ${Math.round(usage.timeToFirstTokenMs)} ms · ${usage.tokensPerSecond.toFixed(1)} tokens/s\n`,
        );
      }
    }
  }
  return 0;
}
