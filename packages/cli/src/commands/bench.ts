import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GenerationUsage, PioError, type TextModelPlugin } from '@pio/core';
import { formatBytes } from '../format-bytes.js';
import type { CliIo } from '../io.js';
import type { RuntimeFlagOptions } from '../options/runtime-options.js';
import { formatMs } from '../progress.js';
import { formatTable } from './list.js';
import { openWithProgress } from './open-with-progress.js';

/** Options of `pio bench`, as commander parses them. */
export interface BenchOptions extends RuntimeFlagOptions {
  /** `--prompt-lengths 64,512`: prompt lengths in tokens. */
  promptLengths?: number[];
  /** `--decode-tokens`: tokens to generate after each prompt. */
  decodeTokens?: number;
  /** `--repeat`: runs per prompt length; the median is reported. */
  repeat?: number;
  /** `--json`: one JSON object instead of a table. */
  json?: boolean;
}

/** The default prompt lengths; those that do not fit the context are skipped. */
export const defaultPromptLengths: readonly number[] = [128, 512, 1024];

/** One prompt length's measurement (medians over the repeats). */
export interface BenchRow {
  /** Prompt tokens. */
  promptTokens: number;
  /** Milliseconds from the call to the first generated token. */
  timeToFirstTokenMs: number;
  /** Prompt tokens computed per second until the first token. */
  prefillTokensPerSecond: number;
  /** Generated tokens per second after the first. */
  decodeTokensPerSecond: number;
  /** Tokens generated (fewer than asked when the model chose its end-of-sequence token). */
  completionTokens: number;
  /** Runs measured. */
  runs: number;
  /** Peak resident set size of the process after these runs, bytes. */
  peakRssBytes: number;
}

/**
 * `pio bench <checkpoint>`: time to first token, prefill and decode speed
 * over a few prompt lengths, and peak memory, through the plugin API (greedy
 * `generate` of synthetic prompt ids, timed by the finish delta's usage).
 *
 * @returns the exit code.
 */
export async function benchCommand(io: CliIo, checkpoint: string, options: BenchOptions): Promise<number> {
  const decodeTokens = options.decodeTokens ?? 32;
  const repeat = options.repeat ?? 1;
  if (decodeTokens < 1 || repeat < 1) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: '--decode-tokens and --repeat must be at least 1.',
      hint: 'For example: pio bench ./model --decode-tokens 32 --repeat 3',
    });
  }
  const opened = await openWithProgress(io, checkpoint, options, { quiet: Boolean(options.json) });
  try {
    const { plugin } = opened;
    const context = options.context ?? contextOf(opened.dir);
    const asked = options.promptLengths ?? defaultPromptLengths;
    const lengths = asked.filter((length) => length + decodeTokens <= context);
    const skipped = asked.filter((length) => !lengths.includes(length));
    if (lengths.length === 0) {
      throw new PioError({
        code: 'PIO_USAGE',
        message: `No prompt length fits the context of ${context} tokens with ${decodeTokens} tokens to generate.`,
        hint: 'Give shorter --prompt-lengths, fewer --decode-tokens or a larger --context.',
      });
    }
    const promptIds = syntheticPrompts(plugin);
    // One untimed run: the first onnxruntime run allocates and warms up.
    await generate(plugin, promptIds(8, 0), 2);
    const rows: BenchRow[] = [];
    let variant = 1;
    for (const length of lengths) {
      const usages: GenerationUsage[] = [];
      for (let run = 0; run < repeat; run++)
        usages.push(await generate(plugin, promptIds(length, variant++), decodeTokens));
      rows.push(summarize(length, usages));
      if (!options.json) {
        const last = rows.at(-1)!;
        io.err(
          `${length} tokens: first token ${formatMs(last.timeToFirstTokenMs)}, ${last.decodeTokensPerSecond.toFixed(1)} tokens/s\n`,
        );
      }
    }
    const built = opened.phases.has('build-graph');
    const report = {
      plugin: opened.pluginName,
      checkpoint,
      dtype: options.dtype ?? 'float32',
      threads: options.threads ?? 0,
      context,
      decodeTokens,
      repeat,
      loadMs: Math.round(opened.loadMs),
      graphBuilt: built,
      rows,
      skippedPromptLengths: skipped,
      peakRssBytes: peakRssBytes(),
    };
    if (options.json) {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    io.out(
      `${report.plugin} · ${report.dtype} · threads ${report.threads || 'all'} · context ${context} · load ${formatMs(report.loadMs)} (${built ? 'graph built' : 'from the build cache'})\n`,
    );
    io.out(
      formatTable(
        ['prompt', 'first token', 'prefill tok/s', 'decode tok/s', 'generated', 'peak RSS'],
        rows.map((row) => [
          String(row.promptTokens),
          formatMs(row.timeToFirstTokenMs),
          row.prefillTokensPerSecond.toFixed(0),
          row.decodeTokensPerSecond.toFixed(1),
          String(row.completionTokens),
          formatBytes(row.peakRssBytes),
        ]),
      ),
    );
    if (skipped.length) io.err(`Skipped prompt lengths that do not fit the context: ${skipped.join(', ')}\n`);
    if (repeat > 1) io.err(`Medians of ${repeat} runs.\n`);
    return 0;
  } finally {
    await opened.manager[Symbol.asyncDispose]();
  }
}

/** `max_position_embeddings` of the checkpoint (the default context), or 2048 when it cannot be read. */
function contextOf(checkpointDir: string): number {
  try {
    const config = JSON.parse(readFileSync(join(checkpointDir, 'config.json'), 'utf8')) as {
      max_position_embeddings?: number;
    };
    return config.max_position_embeddings ?? 2048;
  } catch {
    return 2048;
  }
}

/**
 * Prompt ids of any length from a tokenized filler text, repeated. Each
 * `variant` starts at another token, so the engine's prompt-prefix reuse
 * cannot skip the work of a measured prompt.
 */
function syntheticPrompts(plugin: TextModelPlugin): (length: number, variant: number) => number[] {
  const filler = plugin.tokenize(
    'The quick brown fox jumps over the lazy dog while seven wizards quietly examine forty jugs of liquid gold, ' +
      'and a curious robot counts every prime number below one thousand before sunrise on a cold Tuesday morning.',
    { addSpecialTokens: false },
  );
  return (length, variant) => Array.from({ length }, (_, i) => filler[(i + variant) % filler.length]!);
}

async function generate(plugin: TextModelPlugin, inputIds: number[], maxNewTokens: number): Promise<GenerationUsage> {
  // Greedy: the engine's speed, not the sampler's.
  const options = { maxNewTokens, temperature: 0 };
  for await (const delta of plugin.generate({ inputIds }, options)) {
    if (delta.type === 'finish') return delta.usage;
  }
  throw new PioError({ code: 'PIO_INTERNAL', message: 'generate() ended without a finish delta.' });
}

function summarize(promptTokens: number, usages: readonly GenerationUsage[]): BenchRow {
  return {
    promptTokens,
    timeToFirstTokenMs: median(usages.map((usage) => usage.timeToFirstTokenMs)),
    prefillTokensPerSecond: median(
      usages.map((usage) => ((usage.promptTokens - (usage.cachedPromptTokens ?? 0)) * 1000) / usage.timeToFirstTokenMs),
    ),
    decodeTokensPerSecond: median(usages.map((usage) => usage.tokensPerSecond)),
    completionTokens: Math.min(...usages.map((usage) => usage.completionTokens)),
    runs: usages.length,
    peakRssBytes: peakRssBytes(),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Peak resident set size of this process so far, bytes (Node reports KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
