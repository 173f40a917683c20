import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type MachineInfo, machineInfo, prepareBenchCheckpoint } from '@pio/test-kit';
import { ensureGguf, makePrompt } from '../bench-inputs.js';
import type { BenchShape } from '../shapes/bench-shapes.js';
import type { BatchJob, BatchResult } from './batch-job.js';
import { runBatchEngine } from './run-batch-engine.js';

/** Settings of {@link benchBatchVsLlamaCpp}. */
export interface BatchVsLlamaCppOptions {
  /** Shapes to run. */
  shapes: readonly BenchShape[];
  /** Where checkpoints, GGUF files and PIO's build cache live (shared with `bench:vs-llamacpp`). */
  workDir: string;
  /** Rounds; each runs both engines once, the order alternating. */
  rounds: number;
  /** Threads for each engine. */
  threads: number;
  /** Concurrent sequences per level (1 first: the speedups are over it). */
  levels: readonly number[];
  /** Tokens per prompt. */
  promptTokens: number;
  /** Greedy tokens per sequence. */
  decodeTokens: number;
  /** PIO's dtype: `int4` (default) against a Q4_0 GGUF, or `int8` against Q8_0. */
  pioDtype?: 'int4' | 'int8';
  /** Run PIO from the built `dist/` of its packages (the caller builds them first). */
  pioFromDist?: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One engine's figures at one level, medians over rounds. */
export interface BatchLevelFigures {
  /** Aggregate tokens per second. */
  tokensPerSecond: number;
  /** That ÷ the same engine's aggregate with one sequence. */
  speedup: number;
  /** Median time to first token over the sequences (then over rounds), ms. */
  timeToFirstTokenP50Ms: number;
  /** Every round's aggregate, for the spread. */
  rounds: number[];
}

/** The comparison at one level. */
export interface BatchLevelReport {
  /** Concurrent sequences. */
  sequences: number;
  /** PIO (int4, or int8). */
  pio: BatchLevelFigures;
  /** llama.cpp (Q4_0, or Q8_0, GGUF of the same weights). */
  llamaCpp: BatchLevelFigures;
  /** PIO's aggregate ÷ llama.cpp's. */
  ratio: number;
}

/** Everything {@link benchBatchVsLlamaCpp} measured. */
export interface BatchVsLlamaCppReport {
  /** When it ran. */
  date: string;
  /** Machine facts. */
  machine: MachineInfo;
  /** The settings. */
  settings: Omit<BatchVsLlamaCppOptions, 'shapes' | 'workDir' | 'log' | 'pioFromDist'>;
  /** Per shape, per level. */
  results: { shape: string; levels: BatchLevelReport[] }[];
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function figures(runs: readonly BatchResult[], index: number): Omit<BatchLevelFigures, 'speedup'> {
  const levels = runs.map((run) => run.levels[index]!);
  return {
    tokensPerSecond: median(levels.map((level) => level.tokensPerSecond)),
    timeToFirstTokenP50Ms: median(levels.map((level) => median(level.timeToFirstTokenMs))),
    rounds: levels.map((level) => level.tokensPerSecond),
  };
}

/**
 * Continuous batching side by side: for each shape (its checkpoint and Q4_0
 * or Q8_0 GGUF written once, as `bench:vs-llamacpp` does), PIO int4 (or
 * int8) and llama.cpp
 * each run in a fresh process per round, alternating which goes first; each
 * process times every level (that many sequences started at once, distinct
 * prompts, greedy) after a warm-up of the same size. Reports aggregate tok/s,
 * the speedup over one sequence and PIO ÷ llama.cpp.
 */
export async function benchBatchVsLlamaCpp(options: BatchVsLlamaCppOptions): Promise<BatchVsLlamaCppReport> {
  const { log } = options;
  const results: BatchVsLlamaCppReport['results'] = [];
  const largest = Math.max(...options.levels);
  for (const shape of options.shapes) {
    const shapeDir = join(options.workDir, shape.name);
    await mkdir(shapeDir, { recursive: true });
    log(`[${shape.name}] ${shape.description}: checkpoint...`);
    const checkpoint = await prepareBenchCheckpoint(join(shapeDir, 'hf'), shape.recipe);
    const pioDtype = options.pioDtype ?? 'int4';
    const ggufType = pioDtype === 'int8' ? 'Q8_0' : 'Q4_0';
    const gguf = join(shapeDir, `model-${ggufType}.gguf`);
    await ensureGguf(checkpoint.dir, gguf, ggufType, log);
    const prompts = Array.from({ length: 2 * largest }, (_, index) =>
      makePrompt(options.promptTokens, checkpoint.regularTokens, 100 + index),
    );
    const job = (engine: BatchJob['engine']): BatchJob => ({
      engine,
      model: engine === 'pio' ? checkpoint.dir : gguf,
      dtype: engine === 'pio' ? pioDtype : ggufType,
      ...(engine === 'pio' ? { cacheDir: join(shapeDir, 'pio-cache') } : {}),
      threads: options.threads,
      levels: options.levels,
      prompts,
      decodeTokens: options.decodeTokens,
      ...(engine === 'pio' && options.pioFromDist ? { fromDist: true } : {}),
    });
    log(`[${shape.name}] PIO ${pioDtype}: build (untimed)...`);
    await runBatchEngine({ ...job('pio'), levels: [1], decodeTokens: 2 });
    const runs: Record<BatchJob['engine'], BatchResult[]> = { pio: [], 'llama.cpp': [] };
    for (let round = 0; round < options.rounds; round++) {
      const order: BatchJob['engine'][] = round % 2 === 0 ? ['pio', 'llama.cpp'] : ['llama.cpp', 'pio'];
      for (const engine of order) {
        const result = await runBatchEngine(job(engine));
        runs[engine].push(result);
        log(
          `[${shape.name}] round ${round + 1} ${engine}: ${result.levels
            .map((level) => `${level.sequences} seq ${level.tokensPerSecond.toFixed(1)} tok/s`)
            .join(', ')}`,
        );
      }
    }
    const levels = options.levels.map((sequences, index): BatchLevelReport => {
      const pio = figures(runs.pio, index);
      const llamaCpp = figures(runs['llama.cpp'], index);
      const pioOne = figures(runs.pio, 0).tokensPerSecond;
      const llamaOne = figures(runs['llama.cpp'], 0).tokensPerSecond;
      return {
        sequences,
        pio: { ...pio, speedup: pio.tokensPerSecond / pioOne },
        llamaCpp: { ...llamaCpp, speedup: llamaCpp.tokensPerSecond / llamaOne },
        ratio: pio.tokensPerSecond / llamaCpp.tokensPerSecond,
      };
    });
    results.push({ shape: shape.name, levels });
  }
  const { shapes: _shapes, workDir: _workDir, log: _log, pioFromDist: _dist, ...settings } = options;
  return {
    date: new Date().toISOString(),
    machine: machineInfo(dirname(createRequire(import.meta.url).resolve('@pio/model-llama/package.json'))),
    settings,
    results,
  };
}

/** The report as a Markdown table. */
export function formatBatchVsLlamaCpp(report: BatchVsLlamaCppReport): string {
  const { settings } = report;
  const lines = [
    `Continuous batching: PIO ${settings.pioDtype === 'int8' ? 'int8 vs llama.cpp Q8_0' : 'int4 vs llama.cpp Q4_0'} (same weights), ${settings.threads} threads each, ${settings.rounds} rounds (medians), ${settings.promptTokens}-token prompts, ${settings.decodeTokens} greedy tokens per sequence`,
    `CPU: ${report.machine.cpuModel} (${report.machine.cpus} logical)`,
    '',
    '| shape | sequences | PIO tok/s | PIO speedup | PIO TTFT p50 (ms) | llama.cpp tok/s | llama.cpp speedup | llama.cpp TTFT p50 (ms) | PIO ÷ llama.cpp |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of report.results) {
    for (const level of result.levels) {
      const { pio, llamaCpp } = level;
      lines.push(
        `| ${result.shape} | ${level.sequences} | ${pio.tokensPerSecond.toFixed(1)} | ${pio.speedup.toFixed(2)}× | ${pio.timeToFirstTokenP50Ms.toFixed(0)} | ${llamaCpp.tokensPerSecond.toFixed(1)} | ${llamaCpp.speedup.toFixed(2)}× | ${llamaCpp.timeToFirstTokenP50Ms.toFixed(0)} | ${level.ratio.toFixed(2)} |`,
      );
    }
  }
  return lines.join('\n');
}
