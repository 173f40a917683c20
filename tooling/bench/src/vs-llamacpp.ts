import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type GgufWeightType,
  type MachineInfo,
  machineInfo,
  prepareBenchCheckpoint,
  writeGgufCheckpoint,
} from '@pio/test-kit';
import type { EngineJob, EngineName, EngineResult } from './engines/engine-job.js';
import { measureReadBandwidth } from './read-bandwidth.js';
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
  /** Threads per engine. */
  threads: number;
  /** Prompt lengths: decode is timed after each. */
  contexts: readonly number[];
  /** Greedy tokens after each prompt. */
  decodeTokens: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One pair of engines compared: PIO at `pioDtype` against llama.cpp on a GGUF of `ggufType`. */
export interface EnginePair {
  /** PIO's dtype. */
  pioDtype: 'float32' | 'int4';
  /** The GGUF's weight type. */
  ggufType: GgufWeightType;
}

/** A figure over rounds. */
export interface Figure {
  /** Median over rounds. */
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
  /** llama.cpp. */
  llamaCpp: Figure;
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
  /** Greedy tokens equal across engines, per prompt (meaningful for float32 against F32 only). */
  greedyAgreement: { prompt: number; equal: boolean; firstDifference: number }[];
  /** fp32 only: decode at the shortest context as a share of the read-bandwidth bound (weight bytes ÷ bandwidth). */
  bandwidthShare?: { pio: number; llamaCpp: number };
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
  settings: { rounds: number; threads: number; contexts: readonly number[]; decodeTokens: number };
  /** One report per shape and pair. */
  results: PairReport[];
}

function figure(values: number[]): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
}

function compare(pio: number[], llamaCpp: number[]): ComparedFigure {
  const a = figure(pio);
  const b = figure(llamaCpp);
  return { pio: a, llamaCpp: b, ratio: a.median / b.median };
}

/** Deterministic ordinary-token prompts: different starts so no engine can reuse a cached prefix. */
function makePrompt(length: number, regularTokens: number, variant: number): number[] {
  let state = 0x9e3779b9 ^ (variant * 7919);
  return Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % (regularTokens - 1));
  });
}

async function ensureGguf(
  checkpointDir: string,
  file: string,
  type: GgufWeightType,
  log: (line: string) => void,
): Promise<void> {
  const marker = `${file}.json`;
  const source = await stat(join(checkpointDir, 'pio-bench-checkpoint.json'));
  try {
    const recorded = JSON.parse(await readFile(marker, 'utf8')) as { sourceMtime: number };
    if (recorded.sourceMtime === source.mtimeMs) return;
  } catch {}
  log(`writing ${file} (${type})...`);
  const started = Date.now();
  await writeGgufCheckpoint(checkpointDir, file, type);
  await writeFile(
    marker,
    JSON.stringify({ sourceMtime: source.mtimeMs, type, seconds: (Date.now() - started) / 1000 }),
  );
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
    if (shape.checkF32) pairs.unshift({ pioDtype: 'float32', ggufType: 'F32' });
    const longest = Math.max(...options.contexts);
    const contextSize = Math.max(256, 2 ** Math.ceil(Math.log2(longest + options.decodeTokens + 1)));
    const prompts = options.contexts.map((length, index) => makePrompt(length, checkpoint.regularTokens, index + 1));
    const startPrompt = makePrompt(16, checkpoint.regularTokens, 0);
    for (const pair of pairs) {
      const gguf = join(shapeDir, `model-${pair.ggufType}.gguf`);
      await ensureGguf(checkpoint.dir, gguf, pair.ggufType, log);
      const jobs: Record<EngineName, EngineJob> = {
        pio: {
          engine: 'pio',
          model: checkpoint.dir,
          dtype: pair.pioDtype,
          cacheDir: join(shapeDir, 'pio-cache'),
          threads: options.threads,
          contextSize,
          startPrompt,
          prompts,
          decodeTokens: options.decodeTokens,
        },
        'llama.cpp': {
          engine: 'llama.cpp',
          model: gguf,
          dtype: pair.ggufType,
          threads: options.threads,
          contextSize,
          startPrompt,
          prompts,
          decodeTokens: options.decodeTokens,
        },
      };
      log(`[${shape.name}] PIO ${pair.pioDtype}: build (untimed)...`);
      await runEngine({ ...jobs.pio, prompts: [], startPrompt: startPrompt.slice(0, 2) });
      const runs: Record<EngineName, EngineResult[]> = { pio: [], 'llama.cpp': [] };
      for (let round = 0; round < options.rounds; round++) {
        const order: EngineName[] = round % 2 === 0 ? ['pio', 'llama.cpp'] : ['llama.cpp', 'pio'];
        for (const engine of order) {
          const result = await runEngine(jobs[engine]);
          runs[engine].push(result);
          const decode = result.prompts.map((p) => p.decodeTokensPerSecond.toFixed(1)).join(' / ');
          log(
            `[${shape.name}] round ${round + 1} ${engine} ${engine === 'pio' ? pair.pioDtype : pair.ggufType}: decode ${decode} tok/s, prefill ${result.prompts.map((p) => p.prefillTokensPerSecond.toFixed(0)).join(' / ')} tok/s, start ${(result.startToFirstTokenMs / 1000).toFixed(2)} s, RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
          );
        }
      }
      results.push(pairReport(shape.name, pair, runs, options.contexts, readBandwidth));
    }
  }
  return {
    date: new Date().toISOString(),
    machine: machineInfo(dirname(createRequire(import.meta.url).resolve('@pio/model-llama/package.json'))),
    readBandwidth,
    settings: {
      rounds: options.rounds,
      threads: options.threads,
      contexts: options.contexts,
      decodeTokens: options.decodeTokens,
    },
    results,
  };
}

function pairReport(
  shape: string,
  pair: EnginePair,
  runs: Record<EngineName, EngineResult[]>,
  contexts: readonly number[],
  readBandwidth: number,
): PairReport {
  const pio = runs.pio;
  const llama = runs['llama.cpp'];
  const perPrompt = (metric: 'decodeTokensPerSecond' | 'prefillTokensPerSecond' | 'timeToFirstTokenMs') =>
    Object.fromEntries(
      contexts.map((length, index) => [
        String(length),
        compare(
          pio.map((r) => r.prompts[index]![metric]),
          llama.map((r) => r.prompts[index]![metric]),
        ),
      ]),
    );
  const greedyAgreement = contexts.map((_, index) => {
    const a = pio[0]!.prompts[index]!.tokens;
    const b = llama[0]!.prompts[index]!.tokens;
    const firstDifference = a.findIndex((token, i) => token !== b[i]);
    return { prompt: contexts[index]!, equal: firstDifference === -1, firstDifference };
  });
  const report: PairReport = {
    shape,
    pair,
    decodeTokensPerSecond: perPrompt('decodeTokensPerSecond'),
    prefillTokensPerSecond: perPrompt('prefillTokensPerSecond'),
    timeToFirstTokenMs: perPrompt('timeToFirstTokenMs'),
    startToFirstTokenMs: compare(
      pio.map((r) => r.startToFirstTokenMs),
      llama.map((r) => r.startToFirstTokenMs),
    ),
    peakRssBytes: compare(
      pio.map((r) => r.peakRssBytes),
      llama.map((r) => r.peakRssBytes),
    ),
    weightBytes: { pio: pio[0]!.weightBytes, llamaCpp: llama[0]!.weightBytes },
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
