import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dtype } from '@pio/core';
import type { SteppingTextPlugin } from '../suites/describe-inference-suite.js';
import type { BuildMeasurement, DecodeMeasurement, RunMeasurement } from './benchmark-report.js';
import { type IdleWait, waitForIdleCpu, watchOtherCpuShare } from './other-cpu-share.js';
import { summarizeTimings } from './summarize-timings.js';

/** What both measurements load. */
export interface LoadSettings {
  /** The checkpoint folder. */
  checkpoint: string;
  /** The build cache folder: empty for {@link measureBuild}, holding its build for {@link measureRun}. */
  cacheDir: string;
  /** Runtime settings passed to `initialize()`. */
  runtime: { dtype: Dtype; numThreads: number; maxContextLength: number };
  /** Before each timed part, wait (up to a limit) for other processes to leave the CPU. No waiting when absent. */
  idleWait?: IdleWait;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What {@link measureRun} times, besides loading. */
export interface RunSettings extends LoadSettings {
  /** Cache fills to decode after, in tokens. */
  contexts: readonly number[];
  /** Timed single-token steps per context. */
  decodeSteps: number;
  /** Untimed steps after each fill. */
  warmupSteps: number;
  /** Prompt length for the time-to-first-token measurement. */
  prefillLength: number;
  /** Tokens to generate after that prompt. */
  generateTokens: number;
  /**
   * Synthetic prompt ids of a given length (ordinary tokens only); different
   * `variant`s must start differently, so the engine's prompt-prefix reuse
   * cannot skip the time-to-first-token prompt.
   */
  promptIds(length: number, variant?: number): number[];
}

/**
 * The first start of a model: `initialize()` into an empty cache folder
 * (the graph is built), then `loadModel()` again in the same process (the
 * in-process cached start, which reports `fromCache`, parameters and bytes).
 * Run it in a fresh process for a meaningful peak RSS.
 *
 * @param plugin - A created, uninitialized plugin; cleaned up afterwards.
 * @param settings - Checkpoint, empty cache folder, runtime settings.
 * @throws whatever the plugin throws.
 */
export async function measureBuild(plugin: SteppingTextPlugin, settings: LoadSettings): Promise<BuildMeasurement> {
  const log = settings.log ?? (() => {});
  const dtype = settings.runtime.dtype;
  const contention = new ContentionLog(settings, log);
  try {
    const before = await snapshotFiles(settings.cacheDir);
    log(`[${dtype}] building the graph (empty cache)...`);
    const build = await contention.timed('graph build', () =>
      plugin.initialize({ checkpoint: settings.checkpoint, cacheDir: settings.cacheDir, runtime: settings.runtime }),
    );
    const after = await snapshotFiles(settings.cacheDir);
    log(`[${dtype}] built in ${(build.ms / 1000).toFixed(1)} s; reloading from the cache...`);
    const reload = await contention.timed('reload', () => plugin.loadModel());
    const info = reload.value;
    return {
      initializeMs: build.ms,
      fromCache: !(before.size === 0 && after.size > 0),
      buildBytes: [...after.values()].reduce((sum, file) => sum + file.size, 0),
      reload: {
        loadMs: info.loadMs,
        fromCache: info.fromCache,
        parameters: info.parameters,
        weightBytes: info.weightBytes,
      },
      peakRssBytes: peakRssBytes(),
      otherCpuShare: contention.share(),
      idleWaitMs: contention.waitedMs,
    };
  } finally {
    await plugin.cleanup();
  }
}

/**
 * A start from the build cache and the speed of the loaded model: the first
 * forward call; for each context, a fill of that many tokens in one
 * `forward()`, `warmupSteps` untimed and `decodeSteps` timed single-token
 * steps; then greedy `generateText` of a `prefillLength`-token prompt for
 * the time to first token and the decode rate a caller sees. Run it in a fresh process for a meaningful peak RSS.
 *
 * @param plugin - A created, uninitialized plugin; cleaned up afterwards.
 * @param settings - Checkpoint, cache folder holding the build, what to time.
 * @throws whatever the plugin throws.
 */
export async function measureRun(plugin: SteppingTextPlugin, settings: RunSettings): Promise<RunMeasurement> {
  const log = settings.log ?? (() => {});
  const { dtype } = settings.runtime;
  const contention = new ContentionLog(settings, log);
  try {
    const before = await snapshotFiles(settings.cacheDir);
    const start = await contention.timed('cached start', () =>
      plugin.initialize({ checkpoint: settings.checkpoint, cacheDir: settings.cacheDir, runtime: settings.runtime }),
    );
    const rssAfterLoadBytes = process.memoryUsage().rss;
    const after = await snapshotFiles(settings.cacheDir);
    log(`[${dtype}] started from the cache in ${start.ms.toFixed(0)} ms`);

    let started = performance.now();
    await plugin.forward(settings.promptIds(1), { reset: true });
    const firstForwardMs = performance.now() - started;

    const decode: DecodeMeasurement[] = [];
    for (const context of settings.contexts) {
      const sequence = settings.promptIds(context + settings.warmupSteps + settings.decodeSteps);
      const timings: number[] = [];
      let fillMs = 0;
      const measured = await contention.timed(`context ${context}`, async () => {
        started = performance.now();
        await plugin.forward(sequence.slice(0, context), { reset: true });
        fillMs = performance.now() - started;
        for (let step = 0; step < settings.warmupSteps; step++) await plugin.forward([sequence[context + step]!]);
        for (let step = settings.warmupSteps; step < settings.warmupSteps + settings.decodeSteps; step++) {
          started = performance.now();
          await plugin.forward([sequence[context + step]!]);
          timings.push(performance.now() - started);
        }
      });
      const msPerStep = summarizeTimings(timings);
      decode.push({
        context: context + settings.warmupSteps,
        msPerStep,
        // The median: other processes on a small machine hit single steps, not the typical one.
        tokensPerSecond: 1000 / msPerStep.median,
        fill: { tokens: context, ms: fillMs, tokensPerSecond: (context * 1000) / fillMs },
        otherCpuShare: measured.otherCpuShare,
      });
      log(
        `[${dtype}] context ${context}: fill ${fillMs.toFixed(0)} ms, decode ${msPerStep.median.toFixed(1)} ms/step (median of ${msPerStep.count})`,
      );
    }

    const generated = await contention.timed('time to first token', () =>
      plugin.generateText(
        { inputIds: settings.promptIds(settings.prefillLength, 1) },
        // Greedy: the engine's speed, not the sampler's (which sorts candidates on every token).
        { maxNewTokens: settings.generateTokens, temperature: 0 },
      ),
    );
    const result = generated.value;
    const usage = result.usage as typeof result.usage & { cachedPromptTokens?: number };
    const cachedPromptTokens = usage.cachedPromptTokens ?? 0;
    log(`[${dtype}] ${usage.promptTokens}-token prompt: first token after ${usage.timeToFirstTokenMs.toFixed(0)} ms`);
    return {
      initializeMs: start.ms,
      fromCache: sameFiles(before, after),
      rssAfterLoadBytes,
      firstForwardMs,
      decode,
      generation: {
        promptTokens: usage.promptTokens,
        cachedPromptTokens,
        completionTokens: usage.completionTokens,
        finishReason: result.finishReason,
        timeToFirstTokenMs: usage.timeToFirstTokenMs,
        prefillTokensPerSecond: ((usage.promptTokens - cachedPromptTokens) * 1000) / usage.timeToFirstTokenMs,
        tokensPerSecond: usage.tokensPerSecond,
        otherCpuShare: generated.otherCpuShare,
      },
      peakRssBytes: peakRssBytes(),
      otherCpuShare: contention.share(),
      idleWaitMs: contention.waitedMs,
    };
  } finally {
    await plugin.cleanup();
  }
}

/**
 * Times parts of a measurement, each after an optional wait for an idle
 * CPU, and keeps how much of the CPU other processes took during each.
 */
class ContentionLog {
  /** Milliseconds spent waiting for other processes. */
  waitedMs = 0;
  private weighted = 0;
  private measuredMs = 0;
  private known = true;

  constructor(
    private readonly settings: LoadSettings,
    private readonly log: (line: string) => void,
  ) {}

  async timed<T>(
    label: string,
    work: () => Promise<T>,
  ): Promise<{ value: T; ms: number; otherCpuShare: number | null }> {
    const wait = this.settings.idleWait;
    if (wait) {
      const { waitedMs, otherCpuShare } = await waitForIdleCpu(wait);
      this.waitedMs += waitedMs;
      if (otherCpuShare !== null && otherCpuShare > wait.maxOtherCpuShare) {
        const percent = (otherCpuShare * 100).toFixed(0);
        this.log(
          `[${this.settings.runtime.dtype}] ${label}: other processes still use ${percent}% of the CPU; measuring anyway`,
        );
      }
    }
    const watch = watchOtherCpuShare();
    const started = performance.now();
    const value = await work();
    const ms = performance.now() - started;
    const share = watch();
    if (share === undefined) this.known = false;
    else {
      this.weighted += share * ms;
      this.measuredMs += ms;
    }
    return { value, ms, otherCpuShare: share ?? null };
  }

  /** Time-weighted share over every timed part (waits excluded), or null where it cannot be known. */
  share(): number | null {
    return this.known && this.measuredMs > 0 ? this.weighted / this.measuredMs : null;
  }
}

/** Peak resident set size of this process so far, bytes (Linux and macOS report KiB). */
function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** Every file under `dir` (recursively) with its size and modification time; empty when `dir` is missing. */
async function snapshotFiles(dir: string): Promise<Map<string, FileStamp>> {
  const files = new Map<string, FileStamp>();
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const info = await stat(join(dir, entry));
    if (info.isFile()) files.set(entry, { size: info.size, mtimeMs: info.mtimeMs });
  }
  return files;
}

function sameFiles(a: Map<string, FileStamp>, b: Map<string, FileStamp>): boolean {
  if (a.size !== b.size || a.size === 0) return false;
  for (const [name, stamp] of a) {
    const other = b.get(name);
    if (!other || other.size !== stamp.size || other.mtimeMs !== stamp.mtimeMs) return false;
  }
  return true;
}
