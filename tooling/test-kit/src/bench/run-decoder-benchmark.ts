import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype, PluginFactory } from '@pio/core';
import type { Architecture, CheckpointDtype, HfDecoderConfig, TokenizerName } from '@pio/demo';
import { createPackagePlugin } from '../suites/create-package-plugin.js';
import type { SteppingTextPlugin } from '../suites/describe-inference-suite.js';
import { BenchmarkError } from './benchmark-error.js';
import type {
  BenchmarkBaseline,
  BuildMeasurement,
  DecoderBenchmarkReport,
  DtypeBenchmark,
  DtypeSummary,
  RunMeasurement,
} from './benchmark-report.js';
import { formatBenchmarkTable } from './format-benchmark-table.js';
import { machineInfo } from './machine-info.js';
import { measureBuild, measureRun, type RunSettings } from './measure-decoder.js';
import type { IdleWait } from './other-cpu-share.js';
import { prepareBenchCheckpoint } from './prepare-bench-checkpoint.js';

/** What {@link runDecoderBenchmark} measures and where it writes. */
export interface DecoderBenchmarkOptions {
  /** Short name: the checkpoint folder under `checkpointRoot` and the results file `<name>.json`. */
  name: string;
  /** What is measured, for people (for example `SmolLM2-135M shape, random weights`). */
  title: string;
  /** The model package folder (its package.json gives the plugin's metadata). */
  packageDir: string;
  /** The package's plugin factory; its plugins must step through a KV cache (`forward`). */
  createPlugin: PluginFactory;
  /** `llama` or `qwen3`. */
  arch: Architecture;
  /** `config.json` fields of the shape (snake_case); `vocab_size` may be below the tokenizer's. */
  config: Partial<HfDecoderConfig>;
  /** The kit tokenizer to ship (trimmed to `vocab_size` when that is smaller). */
  tokenizer: TokenizerName;
  /** Seeds the weights. Default 0. */
  seed?: number;
  /** How the checkpoint stores weights. Default `bfloat16`, as real checkpoints do. */
  checkpointDtype?: CheckpointDtype;
  /** Runtime dtypes to measure, in order. Default `['float32', 'int4']`. */
  dtypes?: readonly Dtype[];
  /** Cache fills to time decode steps after. Default `[64, 512, 1536]`. */
  contexts?: readonly number[];
  /** Prompt length for prefill speed and time to first token. Default 512. */
  prefillLength?: number;
  /** Timed single-token steps per context. Default 32. */
  decodeSteps?: number;
  /** Untimed steps after each fill. Default 2. */
  warmupSteps?: number;
  /** Tokens generated after the prefill prompt. Default 16. */
  generateTokens?: number;
  /** onnxruntime intra-op threads. Default: every core (`os.availableParallelism()`). */
  numThreads?: number;
  /** Context length the model is loaded with. Default: what the measurements need, rounded up to 256. */
  maxContextLength?: number;
  /** Folder of cached checkpoints. Default `os.tmpdir()/pio-bench`. */
  checkpointRoot?: string;
  /** Folder for `<name>.json`, or `false` to write nothing. Default `<packageDir>/benchmarks/results`. */
  resultsDir?: string | false;
  /** Numbers to print beside the measured ones. */
  baseline?: BenchmarkBaseline;
  /**
   * Before each timed part (graph build, start, each context, the prompt),
   * wait up to `timeoutMs` for a window of `windowMs` in which other processes
   * used at most `maxOtherCpuShare` of the CPU: on shared machines load comes
   * in bursts. Default `{ maxOtherCpuShare: 0.1, windowMs: 2000, timeoutMs: 30000 }`;
   * false never waits. Every result records the share it actually got.
   */
  idleWait?: Partial<IdleWait> | false;
  /**
   * Measure each dtype's build and run in fresh processes (re-running this
   * script), so peak RSS and start times belong to that dtype alone. Default
   * true; false runs everything in this process (tests, debugging).
   */
  isolate?: boolean;
  /** Progress and the final table. Default: lines on stderr, the table on stdout. */
  log?: (line: string) => void;
}

/** What a measuring child process is told to do (in an environment variable). */
interface ChildTask {
  phase: 'build' | 'run';
  dtype: Dtype;
  checkpointDir: string;
  cacheDir: string;
  regularTokens: number;
  maxContextLength: number;
}

const taskVariable = 'PIO_BENCH_TASK';
const mib = 1024 * 1024;

/**
 * Benchmarks a decoder model package on a random checkpoint in a real
 * model's shape, once per dtype: graph build into an empty cache, cached
 * start (in process and in a fresh process), prefill speed and time to first
 * token, decode speed at several context lengths, peak RSS, parameters and
 * weight bytes. Prints a table and writes `<resultsDir>/<name>.json` with the
 * machine, the command and the date.
 *
 * The checkpoint is written once and reused from `checkpointRoot`. With
 * `isolate` (the default) every measurement runs in a child process that
 * re-runs the calling script: in such a child this function measures, hands
 * the numbers to the parent and resolves to `undefined`.
 *
 * @param options - The model, its shape and what to measure.
 * @returns The report, or `undefined` inside a measuring child process.
 * @throws BenchmarkError when a measuring process fails.
 * @throws ConfigError, TestKitError or the plugin's errors when the shape or a run is invalid.
 */
export async function runDecoderBenchmark(
  options: DecoderBenchmarkOptions,
): Promise<DecoderBenchmarkReport | undefined> {
  const task = process.env[taskVariable];
  if (task !== undefined) {
    await runChildTask(options, JSON.parse(task) as ChildTask);
    return undefined;
  }
  const started = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings = resolveSettings(options);
  const isolated = options.isolate ?? true;

  const checkpointDir = join(options.checkpointRoot ?? join(tmpdir(), 'pio-bench'), options.name);
  log(`${options.name}: preparing the checkpoint in ${checkpointDir}...`);
  const checkpoint = await prepareBenchCheckpoint(checkpointDir, {
    arch: options.arch,
    config: options.config,
    tokenizer: options.tokenizer,
    seed: options.seed ?? 0,
    dtype: options.checkpointDtype ?? 'bfloat16',
  });
  log(
    checkpoint.fromCache
      ? `${options.name}: reusing the checkpoint (${checkpoint.parameters.toLocaleString('en-US')} parameters)`
      : `${options.name}: wrote the checkpoint in ${(checkpoint.writeMs / 1000).toFixed(1)} s`,
  );

  const results: DtypeBenchmark[] = [];
  for (const dtype of settings.dtypes) {
    const cacheDir = await mkdtemp(join(tmpdir(), `pio-bench-cache-${options.name}-${dtype}-`));
    try {
      const base = {
        dtype,
        checkpointDir,
        cacheDir,
        regularTokens: checkpoint.regularTokens,
        maxContextLength: settings.maxContextLength,
      };
      const build = (await measure(options, { ...base, phase: 'build' }, isolated, log)) as BuildMeasurement;
      const run = (await measure(options, { ...base, phase: 'run' }, isolated, log)) as RunMeasurement;
      results.push({ dtype, build, run, summary: summarize(build, run) });
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }

  const packageJson = JSON.parse(await readFile(join(options.packageDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    pio?: { parameters?: number };
  };
  const { dir: _dir, fromCache: _fromCache, writeMs: _writeMs, ...checkpointInfo } = checkpoint;
  const { dtypes: _dtypes, ...measured } = settings;
  const report: DecoderBenchmarkReport = {
    name: options.name,
    title: options.title,
    package: {
      name: packageJson.name,
      version: packageJson.version,
      ...(packageJson.pio?.parameters ? { manifestParameters: packageJson.pio.parameters } : {}),
    },
    date: new Date().toISOString(),
    command: describeCommand(options.packageDir),
    machine: machineInfo(options.packageDir),
    checkpoint: checkpointInfo,
    settings: { ...measured, isolated },
    results,
    ...(options.baseline ? { baseline: options.baseline } : {}),
    totalSeconds: (performance.now() - started) / 1000,
  };
  const table = formatBenchmarkTable(report);
  if (options.log) options.log(table);
  else process.stdout.write(`${table}\n`);
  if (options.resultsDir !== false) {
    const resultsDir = options.resultsDir ?? join(options.packageDir, 'benchmarks', 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `${options.name}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${file}`);
  }
  return report;
}

function resolveSettings(options: DecoderBenchmarkOptions) {
  const contexts = [...(options.contexts ?? [64, 512, 1536])];
  const decodeSteps = options.decodeSteps ?? 32;
  const warmupSteps = options.warmupSteps ?? 2;
  const prefillLength = options.prefillLength ?? 512;
  const generateTokens = options.generateTokens ?? 16;
  const needed = Math.max(...contexts.map((c) => c + warmupSteps + decodeSteps), prefillLength + generateTokens);
  const idleWait: IdleWait | false =
    options.idleWait === false
      ? false
      : { maxOtherCpuShare: 0.1, windowMs: 2000, timeoutMs: 30000, ...(options.idleWait ?? {}) };
  return {
    dtypes: [...(options.dtypes ?? ['float32', 'int4'])] as Dtype[],
    numThreads: options.numThreads ?? availableParallelism(),
    maxContextLength: options.maxContextLength ?? Math.ceil(needed / 256) * 256,
    contexts,
    decodeSteps,
    warmupSteps,
    prefillLength,
    generateTokens,
    idleWait,
  };
}

/** Runs one measurement in a child process (or here, without `isolate`). */
async function measure(
  options: DecoderBenchmarkOptions,
  task: ChildTask,
  isolated: boolean,
  log: (line: string) => void,
): Promise<unknown> {
  if (!isolated) return measureTask(options, task, log);
  const script = process.argv[1];
  if (!script) {
    throw new BenchmarkError({
      benchmark: options.name,
      phase: task.phase,
      dtype: task.dtype,
      reason: 'this process has no script to re-run (process.argv[1] is empty)',
    });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [taskVariable]: JSON.stringify(task) },
    });
    let result: unknown;
    child.on('message', (message) => {
      result = message;
    });
    child.on('error', (cause) =>
      reject(
        new BenchmarkError({
          benchmark: options.name,
          phase: task.phase,
          dtype: task.dtype,
          reason: 'it could not start',
          cause,
        }),
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result);
      else {
        const how = signal ? `signal ${signal}` : code === 0 ? 'no result sent' : `exit code ${code}`;
        reject(new BenchmarkError({ benchmark: options.name, phase: task.phase, dtype: task.dtype, reason: how }));
      }
    });
  });
}

/** Inside a child process: measure, send the numbers to the parent, let the process end. */
async function runChildTask(options: DecoderBenchmarkOptions, task: ChildTask): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const result = await measureTask(options, task, log);
  const send = process.send?.bind(process);
  if (!send) {
    throw new BenchmarkError({
      benchmark: options.name,
      phase: task.phase,
      dtype: task.dtype,
      reason: `${taskVariable} is set but there is no parent to report to (no IPC channel)`,
    });
  }
  await new Promise<void>((resolve, reject) =>
    send(result, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
  process.disconnect?.();
}

async function measureTask(
  options: DecoderBenchmarkOptions,
  task: ChildTask,
  log: (line: string) => void,
): Promise<BuildMeasurement | RunMeasurement> {
  const settings = resolveSettings(options);
  const plugin = await createPlugin(options);
  const load = {
    checkpoint: task.checkpointDir,
    cacheDir: task.cacheDir,
    runtime: { dtype: task.dtype, numThreads: settings.numThreads, maxContextLength: task.maxContextLength },
    ...(settings.idleWait ? { idleWait: settings.idleWait } : {}),
    log,
  };
  if (task.phase === 'build') return measureBuild(plugin, load);
  const run: RunSettings = {
    ...load,
    contexts: settings.contexts,
    decodeSteps: settings.decodeSteps,
    warmupSteps: settings.warmupSteps,
    prefillLength: settings.prefillLength,
    generateTokens: settings.generateTokens,
    // A fixed stride over the ordinary tokens (the content does not change the
    // speed); each variant starts elsewhere, so no prompt is a prefix of another.
    promptIds: (length, variant = 0) =>
      Array.from({ length }, (_, i) => (i * 7919 + 13 + variant * 104729) % task.regularTokens),
  };
  return measureRun(plugin, run);
}

async function createPlugin(options: DecoderBenchmarkOptions): Promise<SteppingTextPlugin> {
  return (await createPackagePlugin(options.packageDir, options.createPlugin)) as SteppingTextPlugin;
}

function summarize(build: BuildMeasurement, run: RunMeasurement): DtypeSummary {
  const first = run.decode[0]!;
  const last = run.decode.at(-1)!;
  return {
    buildSeconds: build.initializeMs / 1000,
    cachedStartMs: build.reload.loadMs,
    freshProcessStartMs: run.initializeMs,
    prefillTokensPerSecond: run.generation.prefillTokensPerSecond,
    timeToFirstTokenMs: run.generation.timeToFirstTokenMs,
    decodeTokensPerSecond: Object.fromEntries(run.decode.map((d) => [String(d.fill.tokens), d.tokensPerSecond])),
    generateTokensPerSecond: run.generation.tokensPerSecond,
    stepRatio: last.msPerStep.median / first.msPerStep.median,
    peakRssBuildMiB: build.peakRssBytes / mib,
    peakRssRunMiB: run.peakRssBytes / mib,
    parameters: build.reload.parameters,
    weightBytes: build.reload.weightBytes,
  };
}

/** The command that ran: the package script under a package manager, and the node command line. */
function describeCommand(packageDir: string): string {
  const script = process.argv[1] ? relative(packageDir, process.argv[1]) : '';
  const nodeCommand = ['node', ...process.execArgv, script, ...process.argv.slice(2)].join(' ');
  const event = process.env.npm_lifecycle_event;
  const name = process.env.npm_package_name ?? basename(packageDir);
  return event ? `pnpm --filter ${name} run ${event} (${nodeCommand})` : nodeCommand;
}
