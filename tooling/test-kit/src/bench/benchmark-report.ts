import type { Dtype } from '@pio/core';
import type { IdleWait } from './other-cpu-share.js';
import type { BenchCheckpoint } from './prepare-bench-checkpoint.js';

/** Spread of a list of timings, in milliseconds. */
export interface TimingSummary {
  /** Number of timings. */
  count: number;
  /** Arithmetic mean. */
  mean: number;
  /** Middle value (mean of the two middle ones for an even count). */
  median: number;
  /** Fastest. */
  min: number;
  /** 90th percentile (nearest rank). */
  p90: number;
  /** Slowest. */
  max: number;
}

/** One prompt run through the model in a single forward call. */
export interface PrefillMeasurement {
  /** Prompt tokens. */
  tokens: number;
  /** Wall time of the call, milliseconds. */
  ms: number;
  /** `tokens / seconds`. */
  tokensPerSecond: number;
}

/** Single-token steps after the cache was filled to `context` tokens. */
export interface DecodeMeasurement {
  /** Tokens in the cache before the first timed step (the fill plus the warm-up steps). */
  context: number;
  /** Time per timed step. */
  msPerStep: TimingSummary;
  /** Steps per second of the median step (`1000 / median`): robust to other processes taking the CPU now and then. */
  tokensPerSecond: number;
  /** The forward call that filled the cache. */
  fill: PrefillMeasurement;
  /** Share of the machine's CPU other processes used during the fill and the steps (see {@link RunMeasurement.otherCpuShare}). */
  otherCpuShare: number | null;
}

/** The first start of a model: the graph is built into an empty cache folder (one process). */
export interface BuildMeasurement {
  /** Wall time of `initialize()` with an empty cache folder (config, tokenizer, graph build, sessions). */
  initializeMs: number;
  /** False: the cache folder was empty before and held a new build afterwards (checked on disk). */
  fromCache: boolean;
  /** Bytes of the built graph files (graph and external data) in the cache folder. */
  buildBytes: number;
  /** `loadModel()` called right after, in the same process: the in-process cached start. */
  reload: { loadMs: number; fromCache: boolean; parameters: number; weightBytes: number };
  /** Peak resident set size of the process, bytes (`process.resourceUsage().maxRSS`). */
  peakRssBytes: number;
  /** Share of the machine's CPU time other processes used meanwhile (see {@link RunMeasurement.otherCpuShare}). */
  otherCpuShare: number | null;
  /** Milliseconds spent waiting for other processes to leave the CPU before the timed parts. */
  idleWaitMs: number;
}

/** A later start from the build cache and the speed measurements (a fresh process). */
export interface RunMeasurement {
  /** Wall time of `initialize()` in a fresh process whose cache folder holds the build. */
  initializeMs: number;
  /** True when the cache folder held the same builds afterwards (nothing was rebuilt). */
  fromCache: boolean;
  /** Resident set size right after `initialize()`, bytes. */
  rssAfterLoadBytes: number;
  /** The first forward call after loading (one token): session warm-up included. */
  firstForwardMs: number;
  /** Decode speed at each context length. */
  decode: DecodeMeasurement[];
  /** Greedy `generateText` of a `prefillLength`-token prompt: time to first token and decode rate, as a caller sees them. */
  generation: {
    promptTokens: number;
    /** Prompt tokens the engine found already in its cache (0 here: the prompt is new). */
    cachedPromptTokens: number;
    completionTokens: number;
    finishReason: string;
    timeToFirstTokenMs: number;
    /** `(promptTokens - cachedPromptTokens) / timeToFirstToken`: the prefill rate. */
    prefillTokensPerSecond: number;
    /** Tokens per second after the first one (mean over the generated tokens, slow steps included). */
    tokensPerSecond: number;
    /** Share of the machine's CPU other processes used meanwhile. */
    otherCpuShare: number | null;
  };
  /** Peak resident set size of the process, bytes (`process.resourceUsage().maxRSS`). */
  peakRssBytes: number;
  /**
   * Share of the machine's CPU time (0 to 1) that other processes used while
   * this one measured, weighted by the time of each timed part (Linux
   * `/proc/stat`; null elsewhere). Well above 0 means the numbers are slower
   * than on an idle machine.
   */
  otherCpuShare: number | null;
  /** Milliseconds spent waiting for other processes to leave the CPU before the timed parts. */
  idleWaitMs: number;
}

/** The headline numbers of one dtype, as the table prints them. */
export interface DtypeSummary {
  /** Graph build, seconds (first `initialize()`). */
  buildSeconds: number;
  /** `loadModel()` from the cache in the same process, milliseconds (`fromCache` true). */
  cachedStartMs: number;
  /** `initialize()` from the cache in a fresh process, milliseconds (tokenizer included). */
  freshProcessStartMs: number;
  /** Prompt tokens per second of the `prefillLength`-token prompt. */
  prefillTokensPerSecond: number;
  /** Time to first token of that prompt, milliseconds. */
  timeToFirstTokenMs: number;
  /** Decode tokens per second by context length. */
  decodeTokensPerSecond: Record<string, number>;
  /** Tokens per second of `generateText` after the `prefillLength`-token prompt (a mean, slow steps included). */
  generateTokensPerSecond: number;
  /** Median step time at the longest context over the shortest. */
  stepRatio: number;
  /** Peak RSS of the process that built the graph, MiB. */
  peakRssBuildMiB: number;
  /** Peak RSS of the process that started from the cache and ran every measurement, MiB. */
  peakRssRunMiB: number;
  /** Parameters in the graph's weights. */
  parameters: number;
  /** Bytes of weights in the graph. */
  weightBytes: number;
}

/** Everything measured for one dtype. */
export interface DtypeBenchmark {
  /** `float32`, `int8` or `int4`. */
  dtype: Dtype;
  /** The first start (graph build). */
  build: BuildMeasurement;
  /** The cached start and the speed measurements. */
  run: RunMeasurement;
  /** The headline numbers. */
  summary: DtypeSummary;
}

/** Numbers to compare against, per dtype (for example hand-built graphs measured in FACTS.md). */
export interface BenchmarkBaseline {
  /** Where the numbers come from. */
  source: string;
  /** Numbers by dtype. */
  byDtype: Partial<Record<Dtype, { decodeTokensPerSecond?: Record<string, number>; prefillTokensPerSecond?: number }>>;
}

/** Where a benchmark ran. */
export interface MachineInfo {
  /** `process.version`. */
  node: string;
  /** `os.platform()`, `os.release()` and `os.arch()`. */
  os: string;
  /** Model name of the first CPU. */
  cpuModel: string;
  /** Logical CPUs (`os.availableParallelism()`). */
  cpus: number;
  /** `os.totalmem()`, bytes. */
  totalMemoryBytes: number;
  /** Version of the installed `onnxruntime-node`, as the model package resolves it. */
  onnxruntime: string;
}

/** What {@link runDecoderBenchmark} writes as JSON. */
export interface DecoderBenchmarkReport {
  /** Short name, also the results file name (`<name>.json`). */
  name: string;
  /** What is measured, for people. */
  title: string;
  /** The model package. */
  package: { name: string; version: string; manifestParameters?: number };
  /** ISO date of the run. */
  date: string;
  /** The command that ran it. */
  command: string;
  /** Where it ran. */
  machine: MachineInfo;
  /** The random checkpoint measured (its folder is a cache, not part of the result). */
  checkpoint: Omit<BenchCheckpoint, 'dir' | 'fromCache' | 'writeMs'>;
  /** How it was measured. */
  settings: {
    numThreads: number;
    maxContextLength: number;
    contexts: number[];
    decodeSteps: number;
    warmupSteps: number;
    prefillLength: number;
    generateTokens: number;
    isolated: boolean;
    /** The wait for an idle CPU before each timed part, or false. */
    idleWait: IdleWait | false;
  };
  /** One entry per dtype, in the order asked. */
  results: DtypeBenchmark[];
  /** Numbers to compare against, when given. */
  baseline?: BenchmarkBaseline;
  /** Wall time of the whole benchmark, seconds (checkpoint writing included). */
  totalSeconds: number;
}
