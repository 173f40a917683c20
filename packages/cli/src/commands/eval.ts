import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PioError, type RuntimeFields } from '@pio/core';
import { canScoreTokens, type PerplexityResult, slidingPerplexity } from '../eval/perplexity.js';
import type { CliIo } from '../io.js';
import { createProgressDisplay, formatMs } from '../progress.js';
import { formatTable } from './list.js';
import { openWithProgress } from './open-with-progress.js';

/** Options of `pio eval`, as commander parses them. */
export interface EvalOptions {
  /** `--text FILE`: the text to score (`-`: stdin). */
  text: string;
  /** `--dtype float32,int8,int4`: the weights to compare, in order (default float32). */
  dtype?: RuntimeFields['dtype'][];
  /** `--context N`: tokens per window (default the model's context, at most 1024). */
  context?: number;
  /** `--stride N`: tokens between window starts (default half the context). */
  stride?: number;
  /** `--max-tokens N`: score only the text's first N tokens. */
  maxTokens?: number;
  /** `--threads`. */
  threads?: number;
  /** `--cache-dir`. */
  cacheDir?: string;
  /** `--json`: one JSON object instead of a table. */
  json?: boolean;
}

/** One dtype's row of `pio eval`. */
export interface EvalRow extends PerplexityResult {
  /** The weights' dtype. */
  dtype: RuntimeFields['dtype'];
  /** Milliseconds to open the checkpoint (discovery, build or build cache, session). */
  loadMs: number;
  /** True when the graph was built (not read from the build cache). */
  graphBuilt: boolean;
}

/** The window length `pio eval` uses without `--context`: the model's, capped at this. */
export const defaultEvalContext = 1024;

/**
 * `pio eval <checkpoint> --text FILE`: perplexity of a text with sliding
 * windows (as transformers' perplexity guide and `llama-perplexity`), top-1
 * accuracy and scored tokens/s, for each `--dtype` in turn on the same
 * tokens, as a table (or JSON) comparing them with the first. Windows of
 * `--context` tokens start every `--stride` tokens; each scores only the
 * tokens it adds, with at least `context - stride` tokens before them. Runs
 * through the plugin's `scoreTokens` (the engine's `TokenScorer`).
 *
 * @returns the exit code.
 */
export async function evalCommand(io: CliIo, checkpoint: string, options: EvalOptions): Promise<number> {
  const text = await readText(io, options.text);
  const dtypes = options.dtype ?? ['float32'];
  const rows: EvalRow[] = [];
  let tokens = 0;
  let context = 0;
  let stride = 0;
  for (const dtype of dtypes) {
    const opened = await openWithProgress(
      io,
      checkpoint,
      {
        dtype,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        ...(options.context !== undefined ? { context: options.context } : {}),
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      },
      { quiet: Boolean(options.json) },
    );
    try {
      const { plugin } = opened;
      if (!canScoreTokens(plugin)) {
        throw new PioError({
          code: 'PIO_USAGE',
          message: `${opened.pluginName} cannot score tokens: it has no scoreTokens() method, which pio eval needs.`,
          hint: 'Plugins built on @pio/engine (DecoderTextPlugin) have it; ask the plugin author to add it.',
        });
      }
      let ids = plugin.tokenize(text);
      if (options.maxTokens !== undefined) ids = ids.slice(0, options.maxTokens);
      context = options.context ?? Math.min(modelContext(opened.dir), defaultEvalContext);
      stride = options.stride ?? Math.max(1, context >> 1);
      checkSettings(ids.length, context, stride, options.text);
      tokens = ids.length;
      const progress = createProgressDisplay(io, { quiet: Boolean(options.json) });
      let result: PerplexityResult;
      try {
        result = await slidingPerplexity(plugin, ids, {
          context,
          stride,
          phase: `perplexity-${dtype}`,
          onProgress: progress.onProgress,
        });
      } finally {
        progress.stop();
      }
      rows.push({ dtype, ...result, loadMs: Math.round(opened.loadMs), graphBuilt: opened.phases.has('build-graph') });
    } finally {
      await opened.manager[Symbol.asyncDispose]();
    }
  }
  const report = { checkpoint, text: options.text, tokens, context, stride, rows };
  if (options.json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const base = rows[0]!;
  io.out(`${options.text}: ${tokens} tokens · windows of ${context} every ${stride} · ${base.scoredTokens} scored\n`);
  io.out(
    formatTable(
      ['dtype', 'perplexity', `vs ${base.dtype}`, 'top-1', 'tokens/s', 'time', 'load'],
      rows.map((row) => [
        row.dtype,
        row.perplexity.toFixed(3),
        row === base ? '' : `${row.perplexity >= base.perplexity ? '+' : ''}${((row.perplexity / base.perplexity - 1) * 100).toFixed(2)}%`,
        `${(row.top1 * 100).toFixed(1)}%`,
        row.tokensPerSecond.toFixed(0),
        formatMs(row.seconds * 1000),
        `${formatMs(row.loadMs)}${row.graphBuilt ? ' (built)' : ''}`,
      ]),
    ),
  );
  return 0;
}

/** The text of `--text`: a file, or stdin for `-`. */
async function readText(io: CliIo, file: string): Promise<string> {
  let text: string;
  if (file === '-') {
    const input = io.input ?? process.stdin;
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    const path = resolve(io.cwd, file);
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new PioError({
        code: 'PIO_USAGE',
        message: `pio eval cannot read --text ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
        hint: 'Give a UTF-8 text file, or - to read stdin.',
      });
    }
  }
  if (text.length === 0) {
    throw new PioError({ code: 'PIO_USAGE', message: `pio eval: ${file === '-' ? 'stdin' : file} is empty.`, hint: 'Give a text of at least two tokens.' });
  }
  return text;
}

function checkSettings(tokens: number, context: number, stride: number, file: string): void {
  if (tokens < 2) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `pio eval: ${file} gives ${tokens} token${tokens === 1 ? '' : 's'}; a perplexity needs at least 2.`,
      hint: 'Give a longer text (or a larger --max-tokens).',
    });
  }
  if (context < 2 || stride > context) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `pio eval: --stride ${stride} must be at most --context ${context} (and the context at least 2).`,
      hint: 'For example --context 512 --stride 256: every token is scored with at least 256 tokens before it.',
    });
  }
}

/** `max_position_embeddings` of the checkpoint's config.json (2048 when it cannot be read). */
function modelContext(checkpointDir: string): number {
  try {
    const config = JSON.parse(readFileSync(join(checkpointDir, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
    return config.max_position_embeddings ?? 2048;
  } catch {
    return 2048;
  }
}
