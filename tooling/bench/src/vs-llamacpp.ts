import { mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type GgufWeightType,
  type MachineInfo,
  machineInfo,
  measureReadBandwidth,
  prepareBenchCheckpoint,
} from '@pio/test-kit';
import { ensureGguf, makePrompt } from './bench-inputs.js';
import type { EngineJob, EngineResult } from './engines/engine-job.js';
import { runEngine } from './run-engine.js';
import type { BenchShape } from './shapes/bench-shapes.js';

/** Settings of {@link benchVsLlamaCpp}. */
export interface VsLlamaCppOptions {
  /** Shapes to run. */
  shapes: readonly BenchShape[];
  /** Where checkpoints, GGUF files and PIO's build cache live (kept between runs: writing a 4 B checkpoint takes minutes). */
  workDir: string;
  /** Rounds; each runs every engine once, the order alternating between rounds. */
  rounds: number;
  /** Threads for PIO (onnxruntime's intra-op pool, the calling thread included). */
  threads: number;
  /**
   * Thread counts to run llama.cpp with; each metric is compared with
   * llama.cpp's best of them. On 2 cores llama.cpp's 2 threads compete with
   * Node's own thread: a SmolLM2-sized model decodes faster with 1 (150-178
   * tok/s against an erratic 56-149), a 1 B one with 2 (28-30 against 19.5).
   */
  llamaThreads: readonly number[];
  /** Prompt lengths: decode is timed after each. */
  contexts: readonly number[];
  /** Greedy tokens after each prompt. */
  decodeTokens: number;
  /**
   * Also run PIO on the GGUF files themselves (their blocks as stored, at the
   * file's own precision), beside PIO on the safetensors folder: one pair per
   * {@link VsLlamaCppOptions.ggufTypes}.
   */
  pioGguf?: boolean;
  /** The GGUF types PIO runs with `pioGguf` (default `Q4_0`; `Q4_K_M` as people download). */
  ggufTypes?: readonly GgufWeightType[];
  /** Run PIO from the built `dist/` of its packages, as installed (see `EngineJob.fromDist`); the caller builds them first. */
  pioFromDist?: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One pair of engines compared: PIO at `pioDtype` against llama.cpp on a GGUF of `ggufType`. */
export interface EnginePair {
  /** PIO's dtype; `file`: none asked for, so a GGUF runs at its own precision. */
  pioDtype: 'float32' | 'int4' | 'file';
  /** The GGUF's weight type. */
  ggufType: GgufWeightType;
  /** What PIO reads: the safetensors folder (default), or the very GGUF file llama.cpp runs. */
  pioReads?: 'safetensors' | 'gguf';
}

/** A figure over rounds. */
export interface Figure {
  /** Median over rounds (the mean of the middle two for an even count). */
  median: number;
  /** Smallest. */
  min: number;
  /** Largest. */
  max: number;
}

/** Both engines' figures for one metric and the ratio of their medians (PIO ÷ llama.cpp). */
export interface ComparedFigure {
  /** PIO. */
  pio: Figure;
  /** llama.cpp at its best thread count for this metric. */
  llamaCpp: Figure;
  /** The llama.cpp thread count that gave {@link ComparedFigure.llamaCpp}. */
  llamaThreads: number;
  /** pio.median ÷ llamaCpp.median: above 1 is better for rates, below 1 for times and memory. */
  ratio: number;
}

/** The comparison for one shape and pair. */
export interface PairReport {
  /** Shape name. */
  shape: string;
  /** Engines compared. */
  pair: EnginePair;
  /** Decode tokens/s after each prompt length. */
  decodeTokensPerSecond: Record<string, ComparedFigure>;
  /** Prefill tokens/s for each prompt length. */
  prefillTokensPerSecond: Record<string, ComparedFigure>;
  /** Time to first token (ms) for each prompt length. */
  timeToFirstTokenMs: Record<string, ComparedFigure>;
  /** Fresh process (cached build) to its first token, ms. */
  startToFirstTokenMs: ComparedFigure;
  /** Peak RSS, bytes. */
  peakRssBytes: ComparedFigure;
  /** Weight bytes each engine holds. */
  weightBytes: { pio: number; llamaCpp: number };
  /** Greedy tokens equal across engines, per prompt (meaningful for float32 against F32 only; flat random logits make long runs diverge on rounding). */
  greedyAgreement: { prompt: number; equal: boolean; firstDifference: number }[];
  /** fp32 only: decode at the shortest context as a share of the read-bandwidth bound (weight bytes ÷ bandwidth). */
  bandwidthShare?: { pio: number; llamaCpp: number };
  /**
   * PIO on a GGUF: its first start, into an empty build cache (build, session
   * creation, first token), once: seconds, the process's peak RSS and the
   * file's size (the goal is RSS ≤ 1.2 × the file).
   */
  firstBuild?: { seconds: number; peakRssBytes: number; fileBytes: number };
}

/** Everything {@link benchVsLlamaCpp} measured. */
export interface VsLlamaCppReport {
  /** When it ran. */
  date: string;
  /** Machine facts. */
  machine: MachineInfo;
  /** Memory read bandwidth, bytes/s, 2 threads (memcmp). */
  readBandwidth: number;
  /** The settings. */
  settings: {
    rounds: number;
    threads: number;
    llamaThreads: readonly number[];
    contexts: readonly number[];
    decodeTokens: number;
  };
  /** One report per shape and pair. */
  results: PairReport[];
}

function figure(values: number[]): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** PIO's figure against llama.cpp's best thread count (`higherIsBetter` for rates). */
function compare(pio: number[], llamaCpp: ReadonlyMap<number, number[]>, higherIsBetter: boolean): ComparedFigure {
  const a = figure(pio);
  let best: { threads: number; figure: Figure } | undefined;
  for (const [threads, values] of llamaCpp) {
    const candidate = figure(values);
    const better =
      !best || (higherIsBetter ? candidate.median > best.figure.median : candidate.median < best.figure.median);
    if (better) best = { threads, figure: candidate };
  }
  return { pio: a, llamaCpp: best!.figure, llamaThreads: best!.threads, ratio: a.median / best!.figure.median };
}

/**
 * The side-by-side benchmark: for each shape, writes random weights once (BF16
 * safetensors for PIO; GGUF files of the same weights for llama.cpp), builds
 * PIO's graphs once (untimed), then runs each engine in its own fresh process
 * for `rounds` rounds, alternating which goes first, and reports medians and
 * PIO ÷ llama.cpp ratios.
 */
export async function benchVsLlamaCpp(options: VsLlamaCppOptions): Promise<VsLlamaCppReport> {
  const { log } = options;
  const readBandwidth = await measureReadBandwidth(2);
  log(`read bandwidth (2 threads, memcmp): ${(readBandwidth / 1e9).toFixed(1)} GB/s`);
  const results: PairReport[] = [];
  for (const shape of options.shapes) {
    const shapeDir = join(options.workDir, shape.name);
    await mkdir(shapeDir, { recursive: true });
    log(`[${shape.name}] ${shape.description}: checkpoint...`);
    const checkpoint = await prepareBenchCheckpoint(join(shapeDir, 'hf'), shape.recipe);
    const pairs: EnginePair[] = [{ pioDtype: 'int4', ggufType: 'Q4_0' }];
    if (options.pioGguf) {
      for (const ggufType of options.ggufTypes ?? ['Q4_0'])
        pairs.push({ pioDtype: 'file', ggufType, pioReads: 'gguf' });
    }
    if (shape.checkF32) pairs.unshift({ pioDtype: 'float32', ggufType: 'F32' });
    const longest = Math.max(...options.contexts);
    const contextSize = Math.max(256, 2 ** Math.ceil(Math.log2(longest + options.decodeTokens + 1)));
    const prompts = options.contexts.map((length, index) => makePrompt(length, checkpoint.regularTokens, index + 1));
    const startPrompt = makePrompt(16, checkpoint.regularTokens, 0);
    for (const pair of pairs) {
      const gguf = join(shapeDir, `model-${pair.ggufType}.gguf`);
      await ensureGguf(checkpoint.dir, gguf, pair.ggufType, log);
      const pioJob: EngineJob = {
        engine: 'pio',
        model: pair.pioReads === 'gguf' ? gguf : checkpoint.dir,
        dtype: pair.pioDtype,
        // A GGUF's builds in a cache of their own, emptied before its first start is measured.
        cacheDir: join(shapeDir, pair.pioReads === 'gguf' ? `pio-cache-${pair.ggufType}` : 'pio-cache'),
        threads: options.threads,
        contextSize,
        startPrompt,
        prompts,
        decodeTokens: options.decodeTokens,
        ...(options.pioFromDist ? { fromDist: true } : {}),
      };
      const llamaJob = (threads: number): EngineJob => ({
        engine: 'llama.cpp',
        model: gguf,
        dtype: pair.ggufType,
        threads,
        contextSize,
        startPrompt,
        prompts,
        decodeTokens: options.decodeTokens,
      });
      const pioLabel = `PIO ${pair.pioDtype}${pair.pioReads === 'gguf' ? ` on the ${pair.ggufType} GGUF` : ''}`;
      let firstBuild: PairReport['firstBuild'];
      if (pair.pioReads === 'gguf') {
        await rm(pioJob.cacheDir!, { recursive: true, force: true });
        log(`[${shape.name}] ${pioLabel}: first start, building from the file...`);
        const built = await runEngine({ ...pioJob, prompts: [], startPrompt: startPrompt.slice(0, 2) });
        firstBuild = {
          seconds: built.startToFirstTokenMs / 1000,
          peakRssBytes: built.peakRssBytes,
          fileBytes: (await stat(gguf)).size,
        };
        log(
          `[${shape.name}] ${pioLabel}: first start ${firstBuild.seconds.toFixed(1)} s, peak RSS ${(firstBuild.peakRssBytes / 2 ** 20).toFixed(0)} MiB = ${(firstBuild.peakRssBytes / firstBuild.fileBytes).toFixed(2)} × the file`,
        );
      } else {
        log(`[${shape.name}] ${pioLabel}: build (untimed)...`);
        await runEngine({ ...pioJob, prompts: [], startPrompt: startPrompt.slice(0, 2) });
      }
      const pioRuns: EngineResult[] = [];
      const llamaRuns = new Map<number, EngineResult[]>(options.llamaThreads.map((threads) => [threads, []]));
      const describe = (result: EngineResult, label: string) =>
        `[${shape.name}] ${label}: decode ${result.prompts.map((p) => p.decodeTokensPerSecond.toFixed(1)).join(' / ')} tok/s, ` +
        `prefill ${result.prompts.map((p) => p.prefillTokensPerSecond.toFixed(0)).join(' / ')} tok/s, ` +
        `start ${(result.startToFirstTokenMs / 1000).toFixed(2)} s, RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
      for (let round = 0; round < options.rounds; round++) {
        const runPio = async () => {
          const result = await runEngine(pioJob);
          pioRuns.push(result);
          log(describe(result, `round ${round + 1} ${pioLabel}`));
        };
        const runLlama = async () => {
          for (const threads of options.llamaThreads) {
            const result = await runEngine(llamaJob(threads));
            llamaRuns.get(threads)!.push(result);
            log(describe(result, `round ${round + 1} llama.cpp ${pair.ggufType} ${threads} thread(s)`));
          }
        };
        if (round % 2 === 0) {
          await runPio();
          await runLlama();
        } else {
          await runLlama();
          await runPio();
        }
      }
      const report = pairReport(shape.name, pair, pioRuns, llamaRuns, options.contexts, readBandwidth);
      results.push(firstBuild ? { ...report, firstBuild } : report);
    }
  }
  return {
    date: new Date().toISOString(),
    machine: machineInfo(dirname(createRequire(import.meta.url).resolve('@pio/model-llama/package.json'))),
    readBandwidth,
    settings: {
      rounds: options.rounds,
      threads: options.threads,
      llamaThreads: options.llamaThreads,
      contexts: options.contexts,
      decodeTokens: options.decodeTokens,
    },
    results,
  };
}

function pairReport(
  shape: string,
  pair: EnginePair,
  pio: EngineResult[],
  llama: ReadonlyMap<number, EngineResult[]>,
  contexts: readonly number[],
  readBandwidth: number,
): PairReport {
  const llamaValues = (value: (result: EngineResult) => number) =>
    new Map([...llama].map(([threads, results]) => [threads, results.map(value)]));
  const perPrompt = (
    metric: 'decodeTokensPerSecond' | 'prefillTokensPerSecond' | 'timeToFirstTokenMs',
    higherIsBetter: boolean,
  ) =>
    Object.fromEntries(
      contexts.map((length, index) => [
        String(length),
        compare(
          pio.map((r) => r.prompts[index]![metric]),
          llamaValues((r) => r.prompts[index]![metric]),
          higherIsBetter,
        ),
      ]),
    );
  const firstLlama = [...llama.values()][0]![0]!;
  const greedyAgreement = contexts.map((_, index) => {
    const a = pio[0]!.prompts[index]!.tokens;
    const b = firstLlama.prompts[index]!.tokens;
    const firstDifference = a.findIndex((token, i) => token !== b[i]);
    return { prompt: contexts[index]!, equal: firstDifference === -1, firstDifference };
  });
  const report: PairReport = {
    shape,
    pair,
    decodeTokensPerSecond: perPrompt('decodeTokensPerSecond', true),
    prefillTokensPerSecond: perPrompt('prefillTokensPerSecond', true),
    timeToFirstTokenMs: perPrompt('timeToFirstTokenMs', false),
    startToFirstTokenMs: compare(
      pio.map((r) => r.startToFirstTokenMs),
      llamaValues((r) => r.startToFirstTokenMs),
      false,
    ),
    peakRssBytes: compare(
      pio.map((r) => r.peakRssBytes),
      llamaValues((r) => r.peakRssBytes),
      false,
    ),
    weightBytes: { pio: pio[0]!.weightBytes, llamaCpp: firstLlama.weightBytes },
    greedyAgreement,
  };
  if (pair.pioDtype === 'float32') {
    const shortest = String(contexts[0]);
    const bound = (bytes: number) => readBandwidth / bytes;
    report.bandwidthShare = {
      pio: report.decodeTokensPerSecond[shortest]!.pio.median / bound(report.weightBytes.pio),
      llamaCpp: report.decodeTokensPerSecond[shortest]!.llamaCpp.median / bound(report.weightBytes.llamaCpp),
    };
  }
  return report;
}
